import { afterAll, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, rowWriter, type LogRow } from "../log/store.ts";
import { parseArgs } from "./args.ts";
import { logs, parseSince } from "./logs.ts";

process.env.TZ = "UTC"; // the table prints local times

const dir = mkdtempSync(join(tmpdir(), "ccproxy-logs-cli-"));
const config = join(dir, "ccproxy.yaml");
const now = Date.parse("2026-03-01T12:00:00Z");
const minute = 60_000;

const row = (ago: number, r: Partial<LogRow>): LogRow => ({ time: now - ago, client: "claude", attempts: 1, stream: false, status: 200, ...r });

beforeAll(() => {
  writeFileSync(config, "logging: { path: ./log.db }\nproviders: {}\n");
  const db = openStore(join(dir, "log.db"));
  rowWriter(db)(
    [
      row(3 * 86_400_000, { model: "sonnet", target: "ds/deepseek-chat", keyLabel: "ds#1", usage: { input: 1000, output: 1000 } }),
      row(30 * minute, { model: "sonnet", target: "ds/deepseek-chat", keyLabel: "ds#1", latencyMs: 812.4, usage: { input: 120, output: 30, cacheRead: 100 } }),
      row(20 * minute, {
        client: "openai", model: "sonnet", target: "google/gemini-2.5-flash", keyLabel: "google#2", attempts: 2, stream: true,
        latencyMs: 2400, ttftMs: 380, usage: { input: 200, output: 50, reasoning: 12 },
        trail: [{ target: "ds/deepseek-chat", keyLabel: "ds#1", status: 529, error: "overloaded" }],
      }),
      row(10 * minute, { model: "haiku", target: "ds/deepseek-chat", keyLabel: "ds#2", status: 429, error: "ds/deepseek-chat: rate limited" }),
    ],
    4,
  );
  db.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], o: { signal?: AbortSignal; onLine?: (l: string) => void } = {}) {
  const lines: string[] = [];
  const args = parseArgs(["logs", "--config", config, ...argv]);
  expect(args.errors).toEqual([]);
  const code = await logs(args, {
    out: (l) => (lines.push(l), o.onLine?.(l)), env: { HOME: dir }, now, signal: o.signal, followEveryMs: 10,
  });
  return { code, lines };
}

describe("ccproxy logs", () => {
  test("a table of the latest requests, oldest first, with failovers and errors in the last column", async () => {
    const { code, lines } = await run([]);
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^TIME\s+CLIENT\s+MODEL\s+TARGET\s+KEY\s+STATUS\s+MS\s+TTFT\s+IN\s+OUT\s+CACHE R\/W\s+NOTE$/);
    expect(lines).toHaveLength(5);
    expect(lines[2]).toMatch(/claude\s+sonnet\s+ds\/deepseek-chat\s+ds#1\s+200\s+812\s+-\s+120\s+30\s+100\/-$/);
    expect(lines[3]).toMatch(/openai\s+sonnet\s+google\/gemini-2\.5-flash\s+google#2\s+200\s+2400\s+380\s+200\s+50\s+-\s+1 failover$/);
    expect(lines[4]).toMatch(/haiku\s+ds\/deepseek-chat\s+ds#2\s+429\s+.*ds\/deepseek-chat: rate limited$/);
  });

  test("--model, --errors, --since and --limit filter; --json prints one object per line", async () => {
    expect((await run(["--model", "haiku"])).lines.slice(1).map((l) => l.split(/\s{2,}/)[2])).toEqual(["haiku"]);
    expect((await run(["--errors"])).lines).toHaveLength(2);
    expect((await run(["--since", "1h"])).lines).toHaveLength(4);
    const { lines } = await run(["--json", "--limit", "2"]);
    const objs = lines.map((l) => JSON.parse(l));
    expect(objs.map((o) => o.model)).toEqual(["sonnet", "haiku"]);
    expect(objs[0]).toMatchObject({
      client: "openai", target: "google/gemini-2.5-flash", keyLabel: "google#2", attempts: 2, failovers: 1, stream: true, ttftMs: 380,
      tokens: { input: 200, output: 50, cacheRead: null, cacheWrite: null, reasoning: 12 },
      trail: [{ target: "ds/deepseek-chat", keyLabel: "ds#1", status: 529, error: "overloaded" }],
    });
    expect((await run(["--model", "nothing"])).lines).toEqual(["no requests logged yet that match"]);
  });

  test("--stats sums per proxy model, target and key over the last 24 hours by default", async () => {
    const { lines } = await run(["--stats"]);
    expect(lines[0]).toBe("since 2026-02-28 12:00:00");
    expect(lines[1]).toMatch(/^MODEL\s+TARGET\s+KEY\s+REQUESTS\s+ERRORS\s+FAILOVERS\s+IN\s+OUT\s+CACHE READ\s+CACHE WRITE\s+REASONING$/);
    expect(lines.slice(2, 5).map((l) => l.split(/\s+/))).toEqual([
      ["haiku", "ds/deepseek-chat", "ds#2", "1", "1", "0", "0", "0", "0", "0", "0"],
      ["sonnet", "ds/deepseek-chat", "ds#1", "1", "0", "0", "120", "30", "100", "0", "0"],
      ["sonnet", "google/gemini-2.5-flash", "google#2", "1", "0", "1", "200", "50", "0", "0", "12"],
    ]);
    expect(lines[5]!.split(/\s+/)).toEqual(["total", "3", "1", "1", "320", "80", "100", "0", "12"]);
    expect(lines[6]).toBe("4 log rows were dropped (the log queue was full, or the disk)");
    const all = (await run(["--stats", "--since", "7d", "--json"])).lines.map((l) => JSON.parse(l));
    expect(all.find((s) => s.keyLabel === "ds#1")).toMatchObject({ requests: 2, tokens: { input: 1120, output: 1030 } });
  });

  test("--follow prints rows as they are written, until stopped", async () => {
    const stop = new AbortController();
    const seen: string[] = [];
    const done = run(["--follow", "--json", "--limit", "1"], {
      signal: stop.signal,
      onLine: (l) => {
        seen.push(JSON.parse(l).model);
        if (seen.length === 1) {
          const db = openStore(join(dir, "log.db"), { create: false });
          rowWriter(db)([row(0, { model: "late-1" }), row(0, { model: "late-2" })], 0);
          db.close();
        }
        if (seen.length === 3) stop.abort();
      },
    });
    expect((await done).code).toBe(0);
    expect(seen).toEqual(["haiku", "late-1", "late-2"]);
  });

  test("a missing database and a bad --since are errors", async () => {
    writeFileSync(join(dir, "other.yaml"), "logging: { path: ./none.db }\nproviders: {}\n");
    const args = parseArgs(["logs", "--config", join(dir, "other.yaml")]);
    expect(await logs(args, { out: () => {}, env: { HOME: dir } })).toBe(1);
    expect((await run(["--since", "soon"])).code).toBe(2);
  });

  test("what clients and upstreams said is printed with its terminal escapes shown, not obeyed", async () => {
    const evil = join(dir, "evil");
    Bun.spawnSync(["mkdir", "-p", evil]);
    writeFileSync(join(evil, "ccproxy.yaml"), "logging: { path: ./log.db }\nproviders: {}\n");
    const db = openStore(join(evil, "log.db"));
    rowWriter(db)([row(minute, { model: "\u001b]0;pwned\u0007\u001b[2Jm", status: 502, error: "up: \u009b31mred\u001b[0m" })], 0);
    db.close();
    for (const json of [[], ["--json"]]) {
      const lines: string[] = [];
      expect(await logs(parseArgs(["logs", "--config", join(evil, "ccproxy.yaml"), ...json]), { out: (l) => lines.push(l), env: { HOME: evil }, now })).toBe(0);
      const text = lines.join("\n");
      expect(text).not.toMatch(/[\u001b\u0007\u009b]/);
      expect(text).toContain("\\u001b[2Jm");
      if (json.length) expect(JSON.parse(text).error).toBe("up: \u009b31mred\u001b[0m");
    }
  });

  test("parseSince: periods and dates", () => {
    expect(parseSince("90s", now)).toBe(now - 90_000);
    expect(parseSince("1.5h", now)).toBe(now - 5_400_000);
    expect(parseSince("2026-02-01", now)).toBe(Date.parse("2026-02-01"));
    expect(parseSince("yesterday", now)).toBeNull();
    expect(parseSince(undefined, now)).toBeUndefined();
  });
  test("needs only the log's part of the config: a provider key left unset elsewhere is no error", async () => {
    const partial = join(dir, "partial.yaml");
    writeFileSync(partial, "accessKeys: [${CCPROXY_KEY}]\nlogging: { path: ./log.db }\nproviders:\n  ds: { protocol: openai, baseUrl: https://x.example, keys: [${DS_KEY}] }\n");
    const lines: string[] = [];
    expect(await logs(parseArgs(["logs", "--config", partial]), { out: (l) => lines.push(l), env: { HOME: dir }, now })).toBe(0);
    expect(lines[0]).toStartWith("TIME");
    // …but a variable the log's own path names must be set
    writeFileSync(partial, "logging: { path: ${LOG_DIR}/log.db }\nproviders:\n  ds: { protocol: openai, baseUrl: https://x.example, keys: [${DS_KEY}] }\n");
    const err = spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(await logs(parseArgs(["logs", "--config", partial]), { out: () => {}, env: { HOME: dir }, now })).toBe(1);
      expect(err.mock.calls.map((c) => String(c[0]))).toEqual([`${partial}:1: environment variable LOG_DIR is not set (write \${LOG_DIR:-} to allow it to be empty)`]);
    } finally {
      err.mockRestore();
    }
  });

  test("logging off is said plainly", async () => {
    const off = join(dir, "off.yaml");
    writeFileSync(off, "logging: { enabled: false }\nproviders: {}\n");
    const err = spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(await logs(parseArgs(["logs", "--config", off]), { out: () => {}, env: { HOME: dir }, now })).toBe(1);
      expect(String(err.mock.calls[0]![0])).toBe(`ccproxy: logging is off in ${off} (logging: { enabled: false }), so there is no request log to show`);
    } finally {
      err.mockRestore();
    }
  });
});
