// The things measured — the emulator called directly, the floor, ccproxy and the peers — how each
// is started, and the exact call each makes for a direction and reply mode.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { BINARY, CACHE, peerEntry } from "./setup.ts";
import {
  claudeRequest, clientOf, convertedChatRequest, embeddingsRequest, embedMarkers, geminiEmbedRequest, geminiRequest, markers, ollamaRequest, openaiRequest,
  responsesChatRequest, responsesRequest, upstreamOf,
  type ClientProtocol, type Direction, type Mode, type Upstream,
} from "./payloads.ts";
import type { Spec } from "./procs.ts";

export type TargetName = "direct" | "floor" | "ccproxy" | "ccr" | "portkey";
export const PROXIES: Exclude<TargetName, "direct">[] = ["floor", "ccproxy", "ccr", "portkey"];

export interface Ports {
  emulator: number;
  floor: number;
  ccproxy: number;
  ccr: number;
  portkey: number;
}

export interface Call {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** substrings every correct plain reply holds */
  markers: string[];
  /** the protocol the caller reads (a direct call's: the upstream's) */
  protocol: ClientProtocol;
  /** the emulator's protocol the reply must come from (its text names it) */
  upstream: Upstream;
  /** answered as a stream */
  stream: boolean;
}

const PREFIX: Record<Direction, string> = {
  "claude→openai": "claude-bench-",
  "openai→openai": "oai-bench-",
  "openai→claude": "gpt-bench-",
  "responses→openai": "codex-bench-",
  "gemini→openai": "gem-bench-",
  "ollama→openai": "oll-bench-",
  "embeddings→gemini": "emb-bench-",
};
/** Where each protocol's request goes: Gemini names the model and whether it streams in the path. */
const CLIENT_PATH: Record<ClientProtocol, (model: string, stream: boolean) => string> = {
  openai: () => "/v1/chat/completions",
  claude: () => "/v1/messages",
  responses: () => "/v1/responses",
  gemini: (model, stream) => `/v1beta/models/${model}:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`,
  ollama: () => "/api/chat",
  embeddings: () => "/v1/embeddings",
};

/** Which targets take part in a direction: the peers only in the conversion they are compared on. */
export function targetsFor(d: Direction, peers: boolean): TargetName[] {
  const peer: TargetName[] = !peers ? [] : d === "claude→openai" ? ["ccr"] : d === "openai→claude" ? ["portkey"] : [];
  return ["direct", "floor", "ccproxy", ...peer];
}

/** Bun's fetch runs at most 256 requests at once unless told otherwise at start-up; the memory
 *  figure holds 1,000 upstream streams. ccproxy raises its own limit (re-executing itself, which its
 *  start-up figure then includes); the floor is given a higher one. */
export const FETCH_LIMIT = { BUN_CONFIG_MAX_HTTP_REQUESTS: "4096" };

const AUTH: Record<ClientProtocol, Record<string, string>> = {
  openai: { authorization: "Bearer sk-bench" },
  claude: { "x-api-key": "sk-bench", "anthropic-version": "2023-06-01" },
  responses: { authorization: "Bearer sk-bench" },
  gemini: { "x-goog-api-key": "sk-bench" },
  ollama: {},
  embeddings: { authorization: "Bearer sk-bench" },
};

const REQUEST: Record<ClientProtocol, (model: string, stream: boolean) => object> = {
  openai: openaiRequest,
  claude: claudeRequest,
  responses: responsesRequest,
  gemini: geminiRequest,
  ollama: ollamaRequest,
  embeddings: embeddingsRequest,
};

/** What the proxy itself sends upstream for the direction's request. A Responses client's request
 *  carries more than the other clients' (two tools, tool choice), so its chat request is its own;
 *  Gemini's and Ollama's are their converted chat requests; embeddings go to Gemini's batch call. */
function directRequest(d: Direction, model: string, stream: boolean): object {
  if (clientOf(d) === "responses") return responsesChatRequest(model, stream);
  if (clientOf(d) === "embeddings") return geminiEmbedRequest(model);
  if (clientOf(d) === "gemini" || clientOf(d) === "ollama") return convertedChatRequest(model, stream);
  return REQUEST[upstreamOf(d)](model, stream);
}

/** `stream` defaults to the mode's own: fast is answered whole, paced and hold as streams. */
export function call(t: TargetName, d: Direction, mode: Mode, ports: Ports, stream = mode !== "fast"): Call {
  const model = PREFIX[d] + mode;
  const json = { "content-type": "application/json" };
  if (t === "direct") {
    // What the proxy itself sends: the upstream protocol's request, to the emulator.
    const up = upstreamOf(d);
    const embed = clientOf(d) === "embeddings";
    const path = embed ? `/v1beta/models/${model}:batchEmbedContents` : CLIENT_PATH[up](model, stream);
    return {
      url: `http://127.0.0.1:${ports.emulator}${path}`,
      headers: { ...json, ...AUTH[up] },
      body: JSON.stringify(directRequest(d, model, stream)),
      markers: embed ? embedMarkers(up) : markers(up, up),
      protocol: up,
      upstream: up,
      stream,
    };
  }
  const client = clientOf(d);
  const base = `http://127.0.0.1:${ports[t]}`;
  let headers: Record<string, string> = { ...json, ...AUTH[client] };
  let name = model;
  if (t === "ccr") name = `emu,${model}`; // claude-code-router's "provider,model" addressing
  if (t === "portkey")
    headers = { ...headers, "x-portkey-provider": "anthropic", "x-portkey-custom-host": `http://127.0.0.1:${ports.emulator}/v1` };
  return {
    url: base + CLIENT_PATH[client](name, stream),
    headers,
    body: JSON.stringify(REQUEST[client](name, stream)),
    markers: markers(client, upstreamOf(d)),
    protocol: client,
    upstream: upstreamOf(d),
    stream,
  };
}

export function specs(ports: Ports): Record<Exclude<TargetName, "direct"> | "emulator", Spec> {
  const emu = `http://127.0.0.1:${ports.emulator}`;
  const config = join(CACHE, "ccproxy.bench.yaml");
  writeFileSync(
    config,
    stringify({
      listen: `127.0.0.1:${ports.ccproxy}`,
      providers: {
        emuo: { protocol: "openai", baseUrl: `${emu}/v1`, keys: ["sk-bench"] },
        emuc: { protocol: "claude", baseUrl: emu, keys: ["sk-bench"] },
        emug: { protocol: "gemini", baseUrl: emu, keys: ["sk-bench"] },
      },
      models: {
        "claude-*": { targets: ["emuo/*"] },
        "oai-*": { targets: ["emuo/*"] },
        "gpt-*": { targets: ["emuc/*"] },
        "codex-*": { targets: ["emuo/*"] },
        "gem-*": { targets: ["emuo/*"] },
        "oll-*": { targets: ["emuo/*"] },
        "emb-*": { targets: ["emug/*"] },
      },
    }),
  );
  const ccrHome = join(CACHE, "ccr-home");
  Bun.spawnSync(["mkdir", "-p", join(ccrHome, ".claude-code-router")]);
  writeFileSync(
    join(ccrHome, ".claude-code-router", "config.json"),
    JSON.stringify({
      LOG: false,
      HOST: "127.0.0.1",
      PORT: ports.ccr,
      APIKEY: "",
      NON_INTERACTIVE_MODE: true,
      Providers: [{ name: "emu", api_base_url: `${emu}/v1/chat/completions`, api_key: "sk-bench", models: ["claude-bench-fast", "claude-bench-paced", "claude-bench-hold"] }],
      Router: { default: "emu,claude-bench-fast" },
    }),
  );
  const bench = import.meta.dir;
  return {
    emulator: { name: "emulator", cmd: ["bun", join(bench, "emulator.ts"), String(ports.emulator)], port: ports.emulator },
    floor: { name: "floor", cmd: ["bun", join(bench, "floor.ts"), String(ports.floor), emu], port: ports.floor, env: FETCH_LIMIT },
    ccproxy: { name: "ccproxy", cmd: [BINARY, "--config", config], port: ports.ccproxy, env: { HOME: join(CACHE, "ccproxy-home") } },
    ccr: { name: "ccr", cmd: ["node", peerEntry("ccr"), "start"], port: ports.ccr, env: { HOME: ccrHome }, cwd: ccrHome },
    portkey: {
      name: "portkey",
      cmd: ["node", "--require", join(bench, "peers", "loopback.cjs"), peerEntry("portkey"), `--port=${ports.portkey}`, "--headless"],
      port: ports.portkey,
      env: { NODE_ENV: "production" },
    },
  };
}
