// What `serve` says as it starts: where it listens, what it serves and to whom, and what is likely
// to go wrong on a first start (no provider key in the environment, no Ollama running). The Ollama
// check runs after the proxy listens and says its piece when it is done; it never delays start-up.
import type { ModelRoute, ResolvedConfig } from "../config/schema.ts";

/** The environment variables the built-in default makes providers of */
export const PROVIDER_KEY_VARS = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"] as const;

/** How long the Ollama check waits for an answer */
export const OLLAMA_CHECK_MS = 1500;

export interface BannerFacts {
  config: ResolvedConfig;
  configPath?: string;
  address: string;
  readyMs: number;
  version: string;
  logOn: boolean;
  consoleLevel: string;
}

const targetsOf = (m: ModelRoute) => m.targets.map((t) => `${t.provider}/${t.model}${t.weight ? ` ×${t.weight}` : ""}`).join(", ");

function routeLines(models: readonly ModelRoute[], indent: string): string[] {
  const width = Math.max(0, ...models.map((m) => m.pattern.length));
  return models.map((m) => `${indent}${m.pattern.padEnd(width)}  → ${targetsOf(m)}${m.toolCompat !== "native" ? ` (toolCompat: ${m.toolCompat})` : ""}`);
}

/** The banner's lines (stdout). */
export function bannerLines(f: BannerFacts): string[] {
  const c = f.config;
  const keys = c.accessKeys.length;
  const groups = Object.values(c.groups);
  const lines = [
    `ccproxy ${f.version} listening on ${f.address} (ready in ${f.readyMs} ms)`,
    `config: ${f.configPath ?? "built-in default"}`,
    keys
      ? `access keys: on (${keys}); clients present one as their API key`
      : "access keys: off; loopback only, any local client may call it (set accessKeys to require one)",
    `providers: ${Object.values(c.providers).map((p) => `${p.name} (${p.protocol}, ${p.shownUrl}, ${p.keys.length} key${p.keys.length === 1 ? "" : "s"})`).join(", ") || "none"}`,
    c.models.length ? "models:" : "models: none routed (clients may name provider/model)",
    ...routeLines(c.models, "  "),
  ];
  for (const g of groups) lines.push(`group ${g.name} (/${g.name}/…, ${g.accessKeys.length ? `${g.accessKeys.length} key(s) of its own` : "the root's keys"}):`, ...routeLines(g.models, "  "));
  lines.push(f.logOn ? `log: ${c.logging.path}${c.logging.bodies ? " (with bodies)" : ""}` : "log: off");
  if (c.redis) lines.push(`pair health: shared with other replicas through ${c.redis.shownUrl} (prefix ${c.redis.prefix})`);
  lines.push(`request lines: ${f.consoleLevel === "off" ? "off" : f.consoleLevel === "errors" ? "errors only" : "every request"}; status page: ${f.address}/`);
  return lines;
}

/** Warnings known at once (stderr): the built-in default with no provider key in the environment. */
export function startWarnings(configPath: string | undefined, env: Record<string, string | undefined>): string[] {
  if (configPath || PROVIDER_KEY_VARS.some((v) => env[v])) return [];
  return [`ccproxy: warning: no provider key in the environment (${PROVIDER_KEY_VARS.join(", ")}); the built-in default serves local Ollama only`];
}

/** The Ollama providers worth checking: the built-in default's, which a first start relies on. */
export function defaultOllama(config: ResolvedConfig, configPath: string | undefined): string[] {
  if (configPath) return [];
  return Object.values(config.providers).filter((p) => p.protocol === "ollama").map((p) => p.baseUrl);
}

/** Whether an Ollama answers at `baseUrl` within `ms` (its /api/version). */
export async function ollamaAnswers(baseUrl: string, ms = OLLAMA_CHECK_MS): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/api/version`, { signal: AbortSignal.timeout(ms), redirect: "manual" });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** The check, in the background: a warning for each default Ollama that does not answer. */
export function checkOllama(urls: readonly string[], warn: (line: string) => void, ms = OLLAMA_CHECK_MS): Promise<void> {
  return Promise.all(
    urls.map(async (url) => {
      if (!(await ollamaAnswers(url, ms)))
        warn(`ccproxy: warning: Ollama does not answer at ${url} (is it running? \`ollama serve\`); requests routed to it will fail`);
    }),
  ).then(() => {});
}
