// `GET /` in a browser: the status page, read by a real headless Chromium (Debian's `chromium`;
// .ci/run installs it) and by plain fetches for what a browser does not show (headers, statuses).
// Non-browser clients keep the JSON answer; without a key only the version and health are shown.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { openaiCompletion } from "./support/wire.ts";
import { pngPixels } from "./support/png.ts";

const KEY = "ccp-status-key-4d1e";
const PROVIDER_KEYS = ["sk-status-prov-one-9a7b", "sk-status-prov-two-3c5d"];
let oa: Upstream, proxy: Proxy;
const html = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

beforeAll(async () => {
  oa = await startUpstream("openai");
  proxy = await startProxy({
    accessKeys: [KEY],
    providers: { oa: { protocol: "openai", baseUrl: oa.url, keys: PROVIDER_KEYS } },
    models: { "claude-x": { targets: ["oa/gpt-4o"] }, "gpt-*": { targets: ["oa/*"] } },
    groups: { team: { models: { "*": { targets: ["oa/team-model"] } } } },
  });
  // One answer after a 429 (the first pair cools down), and one request with a name that is HTML.
  oa.script({ error: 429, headers: { "retry-after": "60" } }, { json: openaiCompletion({ content: "hi" }) }, { json: openaiCompletion({ content: "hi" }) });
  const client = new OpenAI({ apiKey: KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  await client.chat.completions.create({ model: "claude-x", messages: [{ role: "user", content: "hi" }] });
  await client.chat.completions.create({ model: "gpt-<img src=x onerror=alert(1)>", messages: [{ role: "user", content: "hi" }] });
});
afterAll(async () => Promise.all([proxy.close(), oa.close()]));

describe("who sees what", () => {
  test("curl and SDKs keep the plain JSON answer", async () => {
    const r = await fetch(`${proxy.url}/`);
    expect(r.headers.get("content-type")).toContain("application/json");
    expect(await r.json()).toEqual({ status: "ok", version: "0.1.0" });
  });

  test("a browser without a key sees the version, the health and a form asking for one; nothing else", async () => {
    const r = await fetch(`${proxy.url}/`, { headers: html });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(r.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(r.headers.get("referrer-policy")).toBe("no-referrer");
    const page = await r.text();
    expect(page).toContain("version 0.1.0");
    expect(page).toContain('name="key"');
    for (const hidden of ["claude-x", "oa/gpt-4o", oa.url, "Latest requests", "cooling"]) expect(page).not.toContain(hidden);
  });

  test("a wrong key is a 401 page with no details", async () => {
    const r = await fetch(`${proxy.url}/?key=not-the-key`, { headers: html });
    expect(r.status).toBe(401);
    const page = await r.text();
    expect(page).toContain("not one of this proxy's access keys");
    expect(page).not.toContain("claude-x");
  });

  test("with a key: providers, routes, pairs, requests; names escaped; no key of any kind", async () => {
    const r = await fetch(`${proxy.url}/`, { headers: { ...html, authorization: `Bearer ${KEY}` } });
    expect(r.status).toBe(200);
    const page = await r.text();
    for (const shown of ["claude-x", "oa/gpt-4o", "/team/", "oa/team-model", "cooling", "healthy", "429", "oa#1", "oa#2"]) expect(page).toContain(shown);
    expect(page).toContain("gpt-&lt;img src=x onerror=alert(1)&gt;");
    expect(page).not.toContain("<img");
    for (const secret of [KEY, ...PROVIDER_KEYS]) expect(page).not.toContain(secret);
  });
});

test("with the log on, the latest requests come from the database (its writer reads them)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ccproxy-status-log-"));
  const logged = await startProxy({
    logging: { path: join(dir, "log.db") },
    providers: { oa: { protocol: "openai", baseUrl: oa.url, keys: PROVIDER_KEYS } },
    models: { "logged-model": { targets: ["oa/gpt-logged"] } },
  });
  try {
    oa.script({ json: openaiCompletion({ content: "hi" }) });
    await new OpenAI({ apiKey: "none", baseURL: `${logged.url}/v1`, maxRetries: 0 }).chat.completions.create({ model: "logged-model", messages: [{ role: "user", content: "hi" }] });
    await fetch(`${logged.url}/v1/nowhere`);
    const page = await (await fetch(`${logged.url}/`, { headers: html })).text();
    expect(page).toContain(`log ${join(dir, "log.db")}`);
    expect(page).toMatch(/<td>logged-model<\/td><td>oa\/gpt-logged<\/td><td>200<\/td>/);
    expect(page).toMatch(/Latest errors.*no route GET \/v1\/nowhere/s);
  } finally {
    await logged.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

const chromium = Bun.which("chromium") ?? Bun.which("chromium-browser");
if (!chromium) console.warn("status-page.test.ts: no chromium on PATH (apt-get install -y chromium); the browser test is skipped");

describe.skipIf(!chromium)("in Chromium", () => {
  const profile = mkdtempSync(join(tmpdir(), "ccproxy-chromium-"));
  afterAll(() => rmSync(profile, { recursive: true, force: true }));
  // Asynchronously: the proxy it loads the page from runs in this very process.
  const run = async (args: string[]) => {
    const p = Bun.spawn([chromium!, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", `--user-data-dir=${profile}`, ...args], {
      stdout: "pipe",
      stderr: "ignore",
      timeout: 60_000,
    });
    const out = await new Response(p.stdout).text();
    await p.exited;
    return out;
  };

  test("the page's DOM shows the routes, each pair's health and the latest request", async () => {
    const dom = await run(["--dump-dom", `${proxy.url}/?key=${KEY}`]);
    const text = dom.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
    expect(text).toContain("Model routes scope model targets tool calls / claude-x oa/gpt-4o native");
    expect(text).toMatch(/oa\/gpt-4o oa#1 cooling \d+ s 1 429/);
    expect(text).toMatch(/oa\/gpt-4o oa#2 healthy 0/);
    expect(text).toMatch(/Latest requests .*openai \/v1\/chat\/completions claude-x oa\/gpt-4o 200/);
    expect(dom).not.toContain(KEY);
  }, 60_000);

  test("a screenshot of it is a real picture: its size, and many colours", async () => {
    const file = join(profile, "status.png");
    await run([`--screenshot=${file}`, "--window-size=1200,900", "--hide-scrollbars", `${proxy.url}/?key=${KEY}`]);
    const png = new Uint8Array(readFileSync(file));
    expect(png.byteLength).toBeGreaterThan(20_000);
    const p = pngPixels(png);
    expect([p.width, p.height]).toEqual([1200, 900]);
    expect(p.colours).toBeGreaterThan(50); // text, the tables' header band and rows; a blank page has one
  }, 60_000);
});
