// A small metrics registry and its Prometheus text exposition (format 0.0.4). Recording is a walk
// down nested maps keyed by the label values as they come (strings, numbers), to a cell made once
// per label set: no key is built and nothing is allocated for a label set seen before. Label values
// become text only when a scrape renders them.
// @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format

/** A label's value as recorded: absent (undefined) leaves the label out of the series. */
export type LabelValue = string | number | undefined;

export type Kind = "counter" | "gauge" | "histogram";

/** A counter's or gauge's value */
export class Value {
  value = 0;
}

/** Counters that share every label but one, whose values are a fixed set (tokens by kind): one cell, one lookup. */
export class Split {
  readonly values: Float64Array;

  constructor(
    readonly label: string,
    readonly names: readonly string[],
  ) {
    this.values = new Float64Array(names.length);
  }
}

/** Counts per fixed bucket (not cumulative here: the exposition sums them), their sum and count. */
export class Histogram {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1); // the last: above every bound (+Inf)
  }

  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    this.counts[i]!++;
    this.sum += v;
    this.count++;
  }
}

type Level = Map<LabelValue, unknown>;
export type Cell = Value | Split | Histogram;

/** One metric: its name, help, type and labels, and a cell per label set seen. */
export class Family<C extends Cell> {
  private root: Level = new Map();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly kind: Kind,
    readonly labels: readonly string[],
    private readonly make: () => C,
  ) {
    if (labels.length > 5) throw new Error(`${name}: at most 5 labels`);
  }

  /** The cell of one label set, in the order of `labels` (positional, so no array is made per call). */
  at(v0?: LabelValue, v1?: LabelValue, v2?: LabelValue, v3?: LabelValue, v4?: LabelValue): C {
    const n = this.labels.length;
    let level = this.root;
    for (let i = 0; i < n - 1; i++) {
      const v = i === 0 ? v0 : i === 1 ? v1 : i === 2 ? v2 : v3;
      let next = level.get(v) as Level | undefined;
      if (!next) level.set(v, (next = new Map()));
      level = next;
    }
    const v = n <= 1 ? v0 : n === 2 ? v1 : n === 3 ? v2 : n === 4 ? v3 : v4;
    let cell = level.get(v) as C | undefined;
    if (!cell) level.set(v, (cell = this.make()));
    return cell;
  }

  /** Every series forgotten (a gauge made afresh at each scrape). */
  clear(): void {
    this.root = new Map();
  }

  /** Each label set with its cell, labels already in exposition form (`a="x",b="y"`, absent ones left out). */
  *series(): Generator<[string, C]> {
    const n = this.labels.length;
    function* walk(level: Level, depth: number, prefix: string, labels: readonly string[]): Generator<[string, C]> {
      for (const [v, child] of level) {
        const here = v === undefined ? prefix : `${prefix}${prefix ? "," : ""}${labels[depth]}="${escapeLabel(String(v))}"`;
        if (depth === Math.max(n, 1) - 1) yield [here, child as C];
        else yield* walk(child as Level, depth + 1, here, labels);
      }
    }
    yield* walk(this.root, 0, "", n ? this.labels : [""]);
  }
}

/** A label value's escapes: backslash, double quote and line feed. */
export function escapeLabel(s: string): string {
  return s.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** HELP text's escapes: backslash and line feed. */
const escapeHelp = (s: string) => s.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));

/** A sample value as the format writes floats: +Inf, -Inf and NaN by those names. */
export function formatValue(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return Number.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
}

/** A bucket's upper bound as its `le` label: the same float text as a value. */
const le = (bound: number) => formatValue(bound);

/** The families in the text format: HELP and TYPE first, then each series (a histogram's cumulative buckets, +Inf, sum and count). */
export function exposition(families: readonly Family<Cell>[]): string {
  let out = "";
  for (const f of families) {
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.kind}\n`;
    for (const [labels, cell] of f.series()) {
      if (cell instanceof Value) {
        out += `${f.name}${labels ? `{${labels}}` : ""} ${formatValue(cell.value)}\n`;
        continue;
      }
      const sep = labels ? "," : "";
      if (cell instanceof Split) {
        cell.names.forEach((name, i) => (out += `${f.name}{${labels}${sep}${cell.label}="${escapeLabel(name)}"} ${formatValue(cell.values[i]!)}\n`));
        continue;
      }
      let running = 0;
      cell.bounds.forEach((bound, i) => {
        running += cell.counts[i]!;
        out += `${f.name}_bucket{${labels}${sep}le="${le(bound)}"} ${running}\n`;
      });
      out += `${f.name}_bucket{${labels}${sep}le="+Inf"} ${cell.count}\n`;
      out += `${f.name}_sum${labels ? `{${labels}}` : ""} ${formatValue(cell.sum)}\n`;
      out += `${f.name}_count${labels ? `{${labels}}` : ""} ${cell.count}\n`;
    }
  }
  return out;
}
