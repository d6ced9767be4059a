// The real Codex CLI as the end-to-end tests run it: `codex exec` headless, its config in a temporary
// HOME pointing a custom Responses-API provider at the proxy, and its --json output read back.
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The Rust target each platform package of @openai/codex keeps its binary under (its bin/codex.js has the same table). */
const TARGETS: Record<string, string> = {
  "linux-x64": "x86_64-unknown-linux-musl",
  "linux-arm64": "aarch64-unknown-linux-musl",
  "darwin-x64": "x86_64-apple-darwin",
  "darwin-arm64": "aarch64-apple-darwin",
};

/**
 * The native binary, found the way Codex's own launcher finds it: the platform package (an optional
 * dependency aliased to `@openai/codex@<version>-<platform>`) resolved from @openai/codex itself,
 * wherever the installer put either. Calling it directly spares a node process.
 */
export function codexBinary(): string {
  const platform = `${process.platform}-${process.arch}`;
  const target = TARGETS[platform];
  if (!target) throw new Error(`no Codex CLI build for ${platform}`);
  const launcher = createRequire(import.meta.url).resolve("@openai/codex/package.json");
  const pkg = createRequire(launcher).resolve(`@openai/codex-${platform}/package.json`);
  return join(dirname(pkg), "vendor", target, "bin", "codex");
}

/** The environment variable Codex reads the proxy's access key from (the provider's env_key). */
export const KEY_VAR = "CCPROXY_API_KEY";

export interface CodexConfig {
  proxyUrl: string;
  /** Left out, Codex uses its default model (gpt-6.2-sol in 0.171, a code-mode model) */
  model?: string;
  /** Let Codex try the Responses WebSocket first (custom providers default to HTTP only) */
  websockets?: boolean;
  /** How often Codex sends a request again after its stream broke (0 unless given) */
  streamRetries?: number;
}

/**
 * Writes `$HOME/.codex/config.toml`: a custom provider for the proxy's `/v1` (Codex POSTs to
 * `{base_url}/responses` with `Authorization: Bearer $CCPROXY_API_KEY`), no retries unless asked, so a
 * failure shows at once, and the two start-up fetches that leave the machine turned off: the curated
 * plugin sync (github.com, api.github.com, chatgpt.com) and OpenTelemetry metrics (ab.chatgpt.com).
 */
export function writeCodexConfig(home: string, c: CodexConfig): void {
  const toml = `${c.model === undefined ? "" : `model = "${c.model}"\n`}model_provider = "ccproxy"

[model_providers.ccproxy]
name = "ccproxy"
base_url = "${c.proxyUrl}/v1"
env_key = "${KEY_VAR}"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = ${c.streamRetries ?? 0}
supports_websockets = ${c.websockets === true}

[features]
plugins = false

[analytics]
enabled = false
`;
  mkdirSync(join(home, ".codex"), { recursive: true });
  writeFileSync(join(home, ".codex", "config.toml"), toml);
}

/**
 * `codex exec` with no approvals and no sandbox (the test's working directory is its own), no
 * session files, JSONL events on stdout; --strict-config fails on a key this version does not know.
 */
export function codexArgv(prompt: string): string[] {
  return [codexBinary(), "exec", "--strict-config", "--skip-git-repo-check", "--json", "--ephemeral", "--dangerously-bypass-approvals-and-sandbox", prompt];
}

export const codexEnv = (home: string, key: string): Record<string, string> => ({ HOME: home, [KEY_VAR]: key });

/** One line of `codex exec --json`: thread.started, turn.*, item.started/completed, error. */
export interface CodexEvent {
  type: string;
  item?: {
    id: string;
    type: string;
    text?: string;
    message?: string;
    command?: string;
    aggregated_output?: string;
    exit_code?: number | null;
    changes?: { path: string; kind: string }[];
    status?: string;
  };
  error?: { message: string };
  usage?: Record<string, number>;
}

export const codexEvents = (stdout: string): CodexEvent[] =>
  stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));

/** The items Codex completed, of one type. */
export const completed = (events: CodexEvent[], type: string) =>
  events.filter((e) => e.type === "item.completed" && e.item?.type === type).map((e) => e.item!);
