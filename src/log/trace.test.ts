import { expect, test } from "bun:test";
import type { Bodies, LogRow } from "./store.ts";
import { BODY_TEXT_CAP, STREAM_TEXT_CAP, Trace } from "./trace.ts";

/** A trace whose row and bodies land in `sent` */
function traced(start: Partial<ConstructorParameters<typeof Trace>[1]> = {}) {
  const sent: { row: LogRow; bodies?: () => Bodies }[] = [];
  const trace = new Trace(
    { send: (row, bodies) => sent.push({ row, bodies }), settling: () => {} },
    { client: "claude", body: { model: "m" }, headers: new Headers({ "x-api-key": "sk-client", "content-type": "application/json" }), raw: '{"model":"m"}', ...start },
    true,
  );
  return { trace, sent };
}

test("a whole answer's bodies are made from what the data path kept, only when asked", () => {
  const { trace, sent } = traced();
  trace.attempt("p/m", "p#1", "http://up/v1/chat/completions", { authorization: "Bearer sk-up" }, '{"model":"m","messages":[]}');
  const upstream = { id: "1", choices: [{ message: { content: "héllo" } }] };
  trace.upstreamBody(upstream);
  trace.clientBody({ type: "message", content: [{ type: "text", text: "héllo" }] });
  trace.answered(new Response("{}"));
  expect(sent).toHaveLength(1);
  const b = sent[0]!.bodies!();
  expect(JSON.parse(b.clientRequest!)).toEqual({ headers: { "x-api-key": "[redacted]", "content-type": "application/json" }, body: { model: "m" } });
  expect(JSON.parse(b.upstreamRequest!)).toEqual({ url: "http://up/v1/chat/completions", headers: { authorization: "[redacted]" }, body: { model: "m", messages: [] } });
  expect(JSON.parse(b.upstreamResponse!)).toEqual(upstream);
  expect(JSON.parse(b.clientResponse!)).toEqual({ type: "message", content: [{ type: "text", text: "héllo" }] });
});

test("a stream's raw text is kept up to the cap, a character split between chunks intact, and nothing after its end", () => {
  const { trace, sent } = traced();
  const hooks = trace.stream();
  const bytes = new TextEncoder().encode("data: é\n\n"); // é is two bytes: split it between chunks
  hooks.upstream!(bytes.subarray(0, 7));
  hooks.upstream!(bytes.subarray(7));
  hooks.client!("event: ping\n\n");
  const big = new Uint8Array(STREAM_TEXT_CAP).fill(0x61);
  hooks.upstream!(big);
  hooks.end(false);
  hooks.upstream!(new TextEncoder().encode("late"));
  hooks.client!("late");
  const b = sent[0]!.bodies!();
  expect(b.upstreamEvents!.startsWith("data: é\n\naaa")).toBe(true);
  expect(b.upstreamEvents).toEndWith(`a\n[… ${bytes.length} more left out]`);
  expect(b.upstreamEvents!.length).toBe(STREAM_TEXT_CAP - 1 + `\n[… ${bytes.length} more left out]`.length); // é: 2 bytes, 1 character
  expect(b.clientResponse).toBe("event: ping\n\n");
});

test("every body field is capped: a 1 MB request, payload, answer and a long stream keep 256 KiB each, saying how much was left out", () => {
  const MB = 1024 * 1024;
  const huge = "x".repeat(MB);
  const { trace, sent } = traced({ raw: `{"model":"m","messages":[{"role":"user","content":"${huge}"}]}` });
  trace.attempt("p/m", "p#1", "http://up/x", {}, `{"model":"m","prompt":"${huge}"}`);
  trace.upstreamBody({ choices: [{ message: { content: huge } }] });
  trace.clientBody({ content: [{ type: "text", text: huge }] });
  trace.answered(new Response("{}"));
  const b = sent[0]!.bodies!();
  for (const f of ["clientRequest", "upstreamRequest", "upstreamResponse", "clientResponse"] as const) {
    expect(b[f]!.length).toBeLessThan(BODY_TEXT_CAP + 100);
    expect(b[f]).toMatch(/\n\[… \d+ more left out\]$/);
  }
  expect(b.clientRequest).toStartWith('{"headers":');

  // A stream's assembled answer (issue 15: a 24.7 MB stream added about 20 MB a row)
  const s = traced();
  const hooks = s.trace.stream();
  hooks.observe({ type: "start", id: "1", model: "m", usage: {} });
  hooks.observe({ type: "block_start", index: 0, kind: "text" });
  for (let i = 0; i < 100; i++) hooks.observe({ type: "text_delta", index: 0, text: "y".repeat(MB / 10) });
  hooks.observe({ type: "block_stop", index: 0, kind: "text" });
  hooks.observe({ type: "stop", reason: "end", usage: {} });
  hooks.end(false);
  const sb = s.sent[0]!.bodies!();
  expect(sb.upstreamResponse!.length).toBeLessThan(BODY_TEXT_CAP + 100);
  expect(sb.upstreamResponse).toMatch(/\n\[… \d+ more left out\]$/);
});

test("the time spent waiting on upstreams: each attempt's call to its answer, summed; none for a request no upstream saw", () => {
  const { trace, sent } = traced();
  trace.attempt("p/m", "p#1", "http://up/x", {}, "{}");
  trace.failed("p/m: 429", 429);
  trace.attempt("q/m", "q#1", "http://up/y", {}, "{}");
  const hooks = trace.stream();
  hooks.observe({ type: "stop", reason: "end", usage: {} }); // the upstream's last event ends its wait
  hooks.end(false);
  const row = sent[0]!.row;
  expect(row.attempts).toBe(2);
  expect(row.upstreamMs).toBeGreaterThanOrEqual(0);
  expect(row.upstreamMs).toBeLessThanOrEqual(row.latencyMs!);

  const refused = traced();
  refused.trace.answered(new Response("{}"));
  expect(refused.sent[0]!.row.upstreamMs).toBeUndefined();
});
