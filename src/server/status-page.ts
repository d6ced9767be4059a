// `GET /` in a browser: the proxy's state on one page, plain HTML and CSS with no script and no
// external asset. Without a key (when access keys are on) it shows only the version and health and
// a form that asks for one: the key then rides in `?key=`, as Gemini's does, and the page's own
// refresh keeps it without the page ever holding it. Every text is redacted before it is escaped,
// since an escaped key (`&` → `&amp;`) would no longer match the server's egress filter.
import type { ModelRoute } from "../config/schema.ts";
import type { PairStatus } from "../router/index.ts";
import type { RowView } from "../log/query.ts";

export interface PageDetails {
  startedAt: string;
  config: string;
  address: string;
  /** The log's path, undefined when logging is off (the requests shown are then the in-memory ones) */
  logging?: string;
  providers: { name: string; protocol: string; baseUrl: string; keys: number }[];
  routes: { group?: string; models: readonly ModelRoute[] }[];
  pairs: PairStatus[];
  requests: RowView[];
  errors: RowView[];
}

export interface PageOptions {
  version: string;
  health: string;
  keyed: boolean;
  /** open: no access keys; none: keys on, none presented; refused / granted: the key presented */
  access: "open" | "none" | "refused" | "granted";
  details: () => Promise<PageDetails>;
  redact: (text: string) => string;
}

const REFRESH_S = 10;

/** A browser asking for a page (curl and the SDKs ask for JSON or anything, and keep the JSON answer). */
export function wantsPage(req: Request): boolean {
  return req.method === "GET" && (req.headers.get("accept") ?? "").includes("text/html");
}

const HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  // No script, no frame around it, nothing fetched from elsewhere, and no Referer (the URL may hold ?key=).
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
};

export async function statusPage(o: PageOptions): Promise<Response> {
  const esc = (v: unknown) =>
    o.redact(String(v ?? "")).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
  const head = `<p class="meta">version ${esc(o.version)} · health <b class="ok">${esc(o.health)}</b> · access keys ${o.keyed ? "on" : "off (loopback only)"}</p>`;
  if (o.access === "none" || o.access === "refused") {
    const body = `${head}
<form method="get" action="/"><label>Access key <input type="password" name="key" autocomplete="off" autofocus></label> <button>Show status</button></form>
${o.access === "refused" ? '<p class="bad">That key is not one of this proxy\'s access keys.</p>' : "<p>The proxy's state is shown to a holder of one of its access keys.</p>"}`;
    return new Response(document(body, false), { status: o.access === "refused" ? 401 : 200, headers: HEADERS });
  }
  const d = await o.details();
  const t = (cells: unknown[], tag = "td") => `<tr>${cells.map((c) => `<${tag}>${esc(c)}</${tag}>`).join("")}</tr>`;
  const table = (heads: string[], rows: unknown[][], empty: string) =>
    rows.length ? `<table>${t(heads, "th")}${rows.map((r) => t(r)).join("")}</table>` : `<p class="none">${esc(empty)}</p>`;
  const now = Date.now();
  const routes = d.routes.flatMap((r) =>
    r.models.map((m) => [r.group ? `/${r.group}/` : "/", m.pattern, m.targets.map((x) => `${x.provider}/${x.model}${x.weight ? ` ×${x.weight}` : ""}`).join(", "), m.toolCompat]),
  );
  const pairs = d.pairs.map((p) => {
    const left = p.coolingUntil ? `${Math.max(0, Math.ceil((Date.parse(p.coolingUntil) - now) / 1000))} s` : "";
    const last = p.lastError ? `${p.lastError.status ?? ""} ${p.lastError.message}`.trim() : "";
    return [`${p.provider}/${p.model}`, p.key, p.state, left, p.failures, last];
  });
  const rows = (list: RowView[]) =>
    [...list].reverse().map((r) => [
      r.time.slice(11, 19),
      r.client,
      `${r.group ? `/${r.group}` : ""}${r.route ?? ""}`,
      r.model ?? "",
      r.target ?? "",
      r.status ?? "",
      r.latencyMs ?? "",
      r.tokens.input !== null || r.tokens.output !== null ? `${r.tokens.input ?? "?"}→${r.tokens.output ?? "?"}` : "",
      [r.failovers ? `${r.failovers} failover(s)` : "", r.error ?? ""].filter(Boolean).join("; "),
    ]);
  const reqHeads = ["time (UTC)", "client", "route", "model", "target", "status", "ms", "tokens", "note"];
  const body = `${head}
<p class="meta">listening on ${esc(d.address)} · up since ${esc(d.startedAt)} · config ${esc(d.config)} · log ${d.logging ? esc(d.logging) : "off (requests below are this process's latest)"}</p>
<h2>Providers</h2>
${table(["name", "protocol", "URL", "keys"], d.providers.map((p) => [p.name, p.protocol, p.baseUrl, p.keys]), "no providers")}
<h2>Model routes</h2>
${table(["scope", "model", "targets", "tool calls"], routes, "no routes: clients name provider/model")}
<h2>Targets × keys</h2>
${table(["target", "key", "state", "cooldown left", "failures", "last error"], pairs, "no target × key pair has been used yet")}
<h2>Latest requests</h2>
${table(reqHeads, rows(d.requests), "no requests yet")}
<h2>Latest errors</h2>
${table(reqHeads, rows(d.errors), "no errors")}`;
  return new Response(document(body, true), { headers: HEADERS });
}

function document(body: string, refresh: boolean): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ccproxy status</title>
${refresh ? `<meta http-equiv="refresh" content="${REFRESH_S}">` : ""}
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; background: #f6f7f9; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; } h2 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.meta { color: #4a5160; margin: .2rem 0; }
table { border-collapse: collapse; background: #fff; box-shadow: 0 1px 2px #0002; }
th, td { text-align: left; padding: .3rem .7rem; border-bottom: 1px solid #e3e6eb; vertical-align: top; }
th { background: #2d3a55; color: #fff; font-weight: 600; }
td:nth-child(3) { word-break: break-all; }
.ok { color: #137333; } .bad { color: #b3261e; } .none { color: #6b7280; font-style: italic; }
form { margin: 1rem 0; } input { padding: .3rem; }
</style></head>
<body><h1>ccproxy</h1>
${body}
</body></html>
`;
}
