import { expect, test } from "bun:test";
import { ConsoleLines, requestLine, type LineOut } from "./lines.ts";
import { safeText } from "./console.ts";
import { Secrets } from "../config/secrets.ts";
import type { LogRow } from "../log/store.ts";

const clock = () => "12:01:02";
const row = (r: Partial<LogRow>): LogRow => ({ time: 0, client: "claude", route: "/v1/messages", attempts: 1, stream: false, status: 200, ...r });

test("a line: time, client, route, model → target, status, latency, tokens and the failovers before the answer", () => {
  const r = row({
    model: "claude-x", target: "oa/gpt-4o", latencyMs: 812.4, attempts: 2, usage: { input: 1200, output: 85 },
    trail: [{ target: "oa2/gpt", keyLabel: "oa2#1", status: 429, error: "oa2/gpt: rate limited" }],
  });
  expect(requestLine(r, clock)).toBe("12:01:02 claude /v1/messages claude-x → oa/gpt-4o 200 812ms 1200→85 tok (failover: oa2/gpt 429)");
});

test("a refusal and a failure: no model or target, the error on the same line, a failed last attempt named once", () => {
  expect(requestLine(row({ client: "openai", route: "/nothing", status: 404, latencyMs: 0.2, error: "no route\nGET /nothing" }), clock)).toBe(
    "12:01:02 openai /nothing 404 0ms — no route GET /nothing",
  );
  const failed = row({
    group: "team", model: "m", target: "b/y", status: 502, latencyMs: 30, attempts: 2, error: "b/y: HTTP 500",
    trail: [{ target: "a/x", keyLabel: "a#1", error: "a/x: cannot reach upstream (ECONNREFUSED)" }, { target: "b/y", keyLabel: "b#1", status: 500, error: "b/y: HTTP 500" }],
  });
  expect(requestLine(failed, clock)).toBe("12:01:02 claude /team/v1/messages m → b/y 502 30ms (failover: a/x cannot reach upstream (ECONNREFUSED)) — b/y: HTTP 500");
});

test("a key in an error is cut out before the error is clipped, so no half of it is left", () => {
  const key = "sk-live-0123456789abcdef";
  const safe = safeText(new Secrets([key]));
  const error = `${"x".repeat(145)} ${key} \u001b[2J`; // the clip falls inside the key
  const line = requestLine(row({ status: 502, error }), clock, safe);
  expect(line).not.toContain("sk-live-01");
  expect(line).toContain("[redac");
  expect(requestLine(row({ status: 502, error: `bad ${key} \u001b[2J` }), clock, safe)).toEndWith("— bad [redacted] \\u001b[2J");
});

/** A stdout whose reader stopped: it takes the first write and no more until drained. */
function stalledOut() {
  const writes: string[] = [];
  let drain: (() => void) | undefined;
  const out: LineOut = { write: (t) => (writes.push(t), false), once: (_e, l) => void (drain = l) };
  return { out, writes, drain: () => drain?.() };
}

test("levels: errors prints failures only; off prints nothing; a level set later applies", () => {
  const writes: string[] = [];
  const out: LineOut = { write: (t) => (writes.push(t), true), once: () => {} };
  const lines = new ConsoleLines({ level: "errors", safe: (t) => t, out, clock });
  lines.watch(row({ status: 200 }));
  lines.watch(row({ status: 429, error: "slow down" }));
  lines.watch(row({ status: 200, stream: true, error: "client closed the stream before its end" }));
  lines.flush();
  expect(writes.join("").trimEnd().split("\n")).toHaveLength(2);
  lines.level = "off";
  lines.watch(row({ status: 500, error: "x" }));
  lines.flush();
  expect(writes).toHaveLength(1);
  lines.level = "requests";
  lines.watch(row({ status: 200 }));
  lines.flush();
  expect(writes).toHaveLength(2);
});

test("a stdout nobody reads: lines wait up to the bound, the rest are counted and said once it drains", () => {
  const s = stalledOut();
  const lines = new ConsoleLines({ level: "requests", safe: (t) => t, out: s.out, clock, maxHeld: 5 });
  lines.watch(row({ status: 200 }));
  lines.flush(); // taken, but stdout says it is full
  for (let i = 0; i < 20; i++) lines.watch(row({ status: 200 + i }));
  lines.flush();
  expect(s.writes).toHaveLength(1); // nothing more is written while blocked
  s.drain();
  expect(s.writes).toHaveLength(2);
  const second = s.writes[1]!.trimEnd().split("\n");
  expect(second).toHaveLength(6);
  expect(second.at(-1)).toBe("ccproxy: 15 request line(s) left out: stdout was not being read");
});
