// Provider keys never leave the proxy. Every fault an upstream can make is made by an upstream that
// echoes everything it received (its key among it), on every upstream protocol, through every
// client protocol, plain and streamed; then every byte the clients, /admin/status, the process's
// stdout and stderr and the log database saw is searched for every configured secret, in each of
// the encodings a key is commonly found in.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { serve, type Served } from "./support/serve.ts";
import { ECHO_FAULTS, startEcho, type Echo } from "./support/echo.ts";

const ACCESS = "ccp-access-LEAKTEST-6b1d9e";
const TEAM = "ccp-team-LEAKTEST-90ac1f";
const KEYS = {
  oa: "sk-proj-LEAKTEST-openai-3kq0d9f8",
  cl: "sk-ant-api03-LEAKTEST-claude-x7Yq",
  ge: "AIzaSyLEAKTEST-gemini-00ab12cd34",
  azQuery: "az+query/key=LEAKTEST-41",
  azHeader: "azheader-LEAKTEST-7788aa",
  olPassword: "ol-pass@LEAKTEST:5521",
};
const OL_USER = "olluser";

/** Each secret in the forms it could leak in: as is, JSON-escaped, percent-encoded, base64. */
function forms(secret: string): string[] {
  return [...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), btoa(secret)])];
}
const SECRETS = [ACCESS, TEAM, ...Object.values(KEYS), `${OL_USER}:${KEYS.olPassword}`];
const FORMS = [...SECRETS.flatMap(forms), btoa(`${OL_USER}:${KEYS.olPassword}`)];

let echo: Echo;
let proxy: Served;
let seen = "";

const PROVIDERS = ["oa", "cl", "ge", "ol", "az"] as const;
type Client = "openai" | "claude" | "gemini" | "ollama";

beforeAll(async () => {
  echo = await startEcho();
  const up = echo.url;
  const config = `listen: 127.0.0.1:0
accessKeys: ["${ACCESS}"]
logging: { path: ./log.db, bodies: true }
limits: { attempts: 1 }
providers:
  oa: { protocol: openai, baseUrl: "${up}/v1", keys: ["${KEYS.oa}"] }
  cl: { protocol: claude, baseUrl: "${up}", keys: ["${KEYS.cl}"] }
  ge: { protocol: gemini, baseUrl: "${up}", keys: ["${KEYS.ge}"] }
  ol: { protocol: ollama, baseUrl: "http://${OL_USER}:${encodeURIComponent(KEYS.olPassword)}@127.0.0.1:${echo.port}" }
  az: { protocol: openai, baseUrl: "${up}/v1?api-version=2024-06-01&api-key=${encodeURIComponent(KEYS.azQuery)}", headers: { api-key: "${KEYS.azHeader}" } }
models:
${PROVIDERS.map((p) => `  "${p}.*": { targets: ["${p}/*"] }`).join("\n")}
groups:
  team: { accessKeys: ["${TEAM}"], models: { "cl.*": { targets: ["cl/*"] } } }
`;
  proxy = await serve(config);
});

afterAll(async () => {
  await proxy?.close();
  await echo?.close();
});

/** One request in a client protocol's own shape; returns all it got, headers included. */
async function ask(client: Client, model: string, stream: boolean, prefix = "", key = ACCESS): Promise<string> {
  const base = `${proxy.url}${prefix}`;
  const messages = [{ role: "user", content: "hi" }];
  let res: Response;
  switch (client) {
    case "openai":
      res = await fetch(`${base}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model, messages, stream }),
      });
      break;
    case "claude":
      res = await fetch(`${base}/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": key, "anthropic-version": "2023-06-01", "content-type": "application/json" },
        body: JSON.stringify({ model, max_tokens: 64, messages, stream }),
      });
      break;
    case "gemini":
      res = await fetch(`${base}/v1beta/models/${encodeURIComponent(model)}:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`, {
        method: "POST",
        headers: { "x-goog-api-key": key, "content-type": "application/json" },
        body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
      });
      break;
    case "ollama":
      res = await fetch(`${base}/api/chat`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model, messages, stream }),
      });
      break;
  }
  return `${res.status} ${JSON.stringify(Object.fromEntries(res.headers))} ${await res.text()}`;
}

async function count(client: "claude" | "gemini", model: string): Promise<string> {
  const res =
    client === "claude"
      ? await fetch(`${proxy.url}/v1/messages/count_tokens`, {
          method: "POST",
          headers: { "x-api-key": ACCESS, "anthropic-version": "2023-06-01", "content-type": "application/json" },
          body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
        })
      : await fetch(`${proxy.url}/v1beta/models/${encodeURIComponent(model)}:countTokens`, {
          method: "POST",
          headers: { "x-goog-api-key": ACCESS, "content-type": "application/json" },
          body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
        });
  return `${res.status} ${await res.text()}`;
}

/** Runs `jobs` a few at a time: the proxy sees concurrent faults, the machine is not flooded. */
async function pool(jobs: (() => Promise<string>)[], width = 8): Promise<string[]> {
  const out: string[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) out.push(await jobs[next++]!());
  }));
  return out;
}

test("no fault of an echoing upstream puts a secret in any byte a client, the status page, the console or the log sees", async () => {
  const jobs: (() => Promise<string>)[] = [];
  for (const client of ["openai", "claude", "gemini", "ollama"] as const)
    for (const p of PROVIDERS)
      for (const fault of ECHO_FAULTS)
        for (const stream of [false, true]) jobs.push(() => ask(client, `${p}.${fault}`, stream));
  for (const fault of ECHO_FAULTS) {
    jobs.push(() => ask("claude", `cl.${fault}`, true, "/team", TEAM));
    jobs.push(() => count("claude", `cl.${fault}`), () => count("gemini", `ge.${fault}`));
  }
  const answers = await pool(jobs);
  seen += answers.join("\n");
  const status = await fetch(`${proxy.url}/admin/status`, { headers: { authorization: `Bearer ${ACCESS}` } });
  expect(status.status).toBe(200);
  seen += await status.text();
  await proxy.stop(); // the log's queued rows are written on the way out
  seen += proxy.stdout() + proxy.stderr();
  for (const f of readdirSync(proxy.dir).filter((f) => f.startsWith("log.db"))) seen += readFileSync(join(proxy.dir, f)).toString("latin1");

  expect(answers.length).toBe(4 * PROVIDERS.length * ECHO_FAULTS.length * 2 + ECHO_FAULTS.length * 3);
  expect(FORMS.filter((f) => seen.includes(f))).toEqual([]);
  expect(echo.stolen).toEqual([]); // no redirect was followed
  // The faults really carried the secrets to the proxy: the echoes arrived, with the keys cut out.
  expect(answers.filter((a) => a.includes("received POST")).length).toBeGreaterThan(400);
  expect(answers.filter((a) => a.includes("[redacted]")).length).toBeGreaterThan(400);
  expect(answers.filter((a) => /^2\d\d /.test(a)).length).toBeGreaterThan(0);
}, 120_000);
