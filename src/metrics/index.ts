// The proxy's metrics, one registry per process. Each request's figures come from its log row as it
// is finished (a RowWatcher: client, model, target, status, usage, durations), so recording is a
// few map lookups and additions on figures the trace had anyway; what the proxy holds at a given
// moment (requests in flight, pairs cooling, rows the log dropped) is read when /metrics is scraped.
import type { ResolvedConfig } from "../config/schema.ts";
import type { LogRow } from "../log/store.ts";
import { Family, Histogram, Split, Value, exposition } from "./registry.ts";
import { Labels } from "./labels.ts";

/** Buckets, in seconds: whole requests and upstream calls run from milliseconds to minutes */
const DURATION = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const FIRST_TOKEN = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];
/** What the proxy adds is tens of microseconds when all is well */
const ADDED = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** Token kinds, in the order of the unified usage's fields below */
const TOKEN_KINDS = ["input", "output", "cache_read", "cache_write", "reasoning"];

/** What a scrape reads from the proxy at that moment */
export interface Snapshot {
  inFlight: number;
  /** The router's pairs (its status): key labels only */
  pairs: readonly { provider: string; model: string; key: string; state: "healthy" | "cooling" }[];
  /** Rows the log dropped since start (0 with logging off) */
  droppedRows: number;
}

/** The content type of the text format this renders */
export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const seconds = (ms: number) => ms / 1000;
/** The rule label of a request no `when` rule routed */
const NO_RULE = "none";
const value = () => new Value();

export class Metrics {
  private labels: Labels;

  private readonly requests = new Family(
    "ccproxy_requests_total",
    "Requests answered, by group (absent at the root), client protocol, model (the proxy model route that serves the name asked, or other), target (provider/model of the last attempt) and the HTTP status the client got.",
    "counter",
    ["group", "client", "model", "target", "status"],
    value,
  );
  private readonly tokens = new Family(
    "ccproxy_tokens_total",
    "Tokens the upstreams reported, by group, model, target and kind (input, output, cache_read, cache_write, reasoning).",
    "counter",
    ["group", "model", "target"],
    () => new Split("kind", TOKEN_KINDS),
  );
  private readonly duration = new Family(
    "ccproxy_request_duration_seconds",
    "Time from a request's arrival to the end of its answer (a stream's last event), by group, client protocol and model.",
    "histogram",
    ["group", "client", "model"],
    () => new Histogram(DURATION),
  );
  private readonly upstream = new Family(
    "ccproxy_upstream_duration_seconds",
    "Time a request that reached an upstream spent waiting on upstreams: from each attempt's call to its whole answer (a stream's last event), its attempts summed.",
    "histogram",
    [],
    () => new Histogram(DURATION),
  );
  private readonly firstToken = new Family(
    "ccproxy_time_to_first_token_seconds",
    "Time from a streamed request's arrival to its first text, thinking or tool call.",
    "histogram",
    [],
    () => new Histogram(FIRST_TOKEN),
  );
  private readonly added = new Family(
    "ccproxy_added_latency_seconds",
    "What the proxy itself adds to a request that reached an upstream: its whole time less its time waiting on upstreams.",
    "histogram",
    [],
    () => new Histogram(ADDED),
  );
  private readonly failovers = new Family(
    "ccproxy_failovers_total",
    "Attempts that failed and were followed by another, by group and model.",
    "counter",
    ["group", "model"],
    value,
  );
  private readonly routed = new Family(
    "ccproxy_rule_requests_total",
    'Requests that named a model, by group, model and the `when` rule that routed them: "<model entry>#<n>", or "none" when no rule did.',
    "counter",
    ["group", "model", "rule"],
    value,
  );
  private readonly cooling = new Family(
    "ccproxy_pair_cooling",
    "1 while a target x key pair cools down after a failure (a refused key cools on every model), else 0; keys by label only. Targets the config does not name are provider/other, 1 when any of them cools.",
    "gauge",
    ["target", "key"],
    value,
  );
  private readonly inFlight = new Family("ccproxy_in_flight_requests", "Requests being handled: routed and not yet answered, a stream until its end.", "gauge", [], value);
  private readonly dropped = new Family(
    "ccproxy_log_dropped_rows_total",
    "Request log rows dropped since start: the writer fell behind or stopped, or the database refused them.",
    "counter",
    [],
    value,
  );

  /** The unlabelled histograms' one cell each, made now so a scrape shows them before any request */
  private readonly upstreamCell = this.upstream.at();
  private readonly firstTokenCell = this.firstToken.at();
  private readonly addedCell = this.added.at();

  /** The config's `metrics.enabled`: off, a row is not counted */
  private enabled: boolean;

  constructor(config: ResolvedConfig) {
    this.labels = new Labels(config);
    this.enabled = config.metrics.enabled;
  }

  /** Label values and the switch follow a reloaded config from now on; series already counted stay. */
  configure(config: ResolvedConfig): void {
    if (this.labels.config !== config) this.labels = new Labels(config);
    this.enabled = config.metrics.enabled;
  }

  /** A finished request's row (a RowWatcher: it must return at once). */
  readonly watch = (row: LogRow): void => {
    if (!this.enabled) return;
    const group = row.group;
    const model = this.labels.model(row.model, group);
    const target = this.labels.target(row.target);
    this.requests.at(group, row.client, model, target, row.status).value++;
    const u = row.usage;
    if (u) {
      const t = this.tokens.at(group, model, target).values;
      t[0]! += u.input ?? 0;
      t[1]! += u.output ?? 0;
      t[2]! += u.cacheRead ?? 0;
      t[3]! += u.cacheWrite ?? 0;
      t[4]! += u.reasoning ?? 0;
    }
    if (model !== undefined) this.routed.at(group, model, row.rule ?? NO_RULE).value++;
    if (row.attempts > 1) this.failovers.at(group, model).value += row.attempts - 1;
    const total = row.latencyMs ?? 0;
    this.duration.at(group, row.client, model).observe(seconds(total));
    if (row.upstreamMs !== undefined) {
      this.upstreamCell.observe(seconds(row.upstreamMs));
      this.addedCell.observe(seconds(Math.max(0, total - row.upstreamMs)));
    }
    if (row.ttftMs !== undefined) this.firstTokenCell.observe(seconds(row.ttftMs));
  };

  /** The text a scrape gets: the figures counted so far, and the moment's (in flight, cooling, dropped). */
  render(now: Snapshot): string {
    this.inFlight.at().value = now.inFlight;
    this.dropped.at().value = now.droppedRows;
    this.cooling.clear();
    for (const p of now.pairs) {
      const cell = this.cooling.at(this.labels.target(`${p.provider}/${p.model}`), p.key);
      cell.value = Math.max(cell.value, p.state === "cooling" ? 1 : 0);
    }
    return exposition([this.requests, this.tokens, this.duration, this.upstream, this.firstToken, this.added, this.failovers, this.routed, this.cooling, this.inFlight, this.dropped]);
  }
}
