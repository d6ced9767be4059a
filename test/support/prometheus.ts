// A strict reader of the Prometheus text exposition format 0.0.4, for the tests of GET /metrics: any
// line it cannot read, a sample before its family's HELP and TYPE, a family split in two, a series
// given twice or a histogram whose buckets do not add up is an error naming the line.
// @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  /** The sample's own name (a histogram's `_bucket`, `_sum`, `_count`) */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

const METRIC = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = "[a-zA-Z_][a-zA-Z0-9_]*";
const TYPES = new Set<string>(["counter", "gauge", "histogram", "summary", "untyped"]);
/** Go's ParseFloat as the format takes it: decimal or exponent forms, and Inf / NaN by name */
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Inf|NaN)$/;

function parseFloatStrict(text: string, where: string): number {
  if (!FLOAT.test(text)) throw new Error(`${where}: not a float: ${JSON.stringify(text)}`);
  if (/Inf$/.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  return text.endsWith("NaN") ? NaN : Number(text);
}

/** The label set of `{…}`, every value's escapes undone; `rest` is what follows the closing brace. */
function parseLabels(text: string, where: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1; // past "{"
  const name = new RegExp(`^${LABEL}`);
  for (;;) {
    if (text[i] === "}") return { labels, rest: text.slice(i + 1) };
    const m = name.exec(text.slice(i));
    if (!m) throw new Error(`${where}: a label name expected at ${JSON.stringify(text.slice(i, i + 20))}`);
    const label = m[0];
    if (label.startsWith("__")) throw new Error(`${where}: label ${label} is reserved`);
    if (Object.hasOwn(labels, label)) throw new Error(`${where}: label ${label} given twice`);
    i += label.length;
    if (text.slice(i, i + 2) !== '="') throw new Error(`${where}: '="' expected after ${label}`);
    i += 2;
    let value = "";
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new Error(`${where}: label ${label}'s value is not closed`);
      if (c === '"') break;
      if (c === "\\") {
        const e = text[i + 1];
        if (e === "\\" || e === '"') value += e;
        else if (e === "n") value += "\n";
        else throw new Error(`${where}: unknown escape \\${e ?? ""} in label ${label}`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    labels[label] = value;
    i++; // past the closing quote
    if (text[i] === ",") i++;
    else if (text[i] !== "}") throw new Error(`${where}: ',' or '}' expected after label ${label}`);
  }
}

/** The family a sample name belongs to: a histogram's suffixes are its own. */
function familyOf(name: string, types: Map<string, MetricType>): string | undefined {
  if (types.has(name)) return name;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
    if (base && (types.get(base) === "histogram" || (types.get(base) === "summary" && suffix !== "_bucket"))) return base;
  }
  return undefined;
}

const seriesKey = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(",")}}`;

/** Reads a whole exposition; throws on the first thing the format does not allow. */
export function parseExposition(text: string): Map<string, MetricFamily> {
  if (text.length && !text.endsWith("\n")) throw new Error("the last line does not end with a line feed");
  const families = new Map<string, MetricFamily>();
  const types = new Map<string, MetricType>();
  const helps = new Map<string, string>();
  const seen = new Set<string>();
  let current: string | undefined;
  const done = new Set<string>();
  const lines = text.split("\n").slice(0, -1);
  lines.forEach((line, n) => {
    const where = `line ${n + 1}`;
    if (line.trim() === "") return;
    if (line.startsWith("#")) {
      const m = new RegExp(`^# (HELP|TYPE) (${METRIC})(?: (.*))?$`).exec(line);
      if (!m) throw new Error(`${where}: a comment other than HELP or TYPE: ${JSON.stringify(line)}`);
      const [, kind, name, rest = ""] = m as unknown as [string, string, string, string?];
      if (families.get(name)?.samples.length) throw new Error(`${where}: ${kind} for ${name} after its samples`);
      if (kind === "HELP") {
        if (helps.has(name)) throw new Error(`${where}: a second HELP for ${name}`);
        if (rest.replace(/\\[\\n]/g, "").includes("\\")) throw new Error(`${where}: an unknown escape in HELP`);
        helps.set(name, rest.replace(/\\(\\|n)/g, (_, e) => (e === "n" ? "\n" : "\\")));
      } else {
        if (types.has(name)) throw new Error(`${where}: a second TYPE for ${name}`);
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${JSON.stringify(rest)}`);
        types.set(name, rest as MetricType);
      }
      if (!families.has(name)) families.set(name, { name, help: "", type: "untyped", samples: [] });
      const f = families.get(name)!;
      f.help = helps.get(name) ?? "";
      f.type = types.get(name) ?? "untyped";
      return;
    }
    const m = new RegExp(`^(${METRIC})(.*)$`).exec(line);
    if (!m) throw new Error(`${where}: not a sample: ${JSON.stringify(line)}`);
    const name = m[1]!;
    let rest = m[2]!;
    let labels: Record<string, string> = {};
    if (rest.startsWith("{")) ({ labels, rest } = parseLabels(rest, where));
    const fields = /^[ \t]+(\S+)(?:[ \t]+(-?\d+))?$/.exec(rest);
    if (!fields) throw new Error(`${where}: a value (and optional timestamp) expected after the name and labels: ${JSON.stringify(rest)}`);
    const value = parseFloatStrict(fields[1]!, where);
    const family = familyOf(name, types);
    if (!family || !helps.has(family)) throw new Error(`${where}: a sample of ${name} before its family's HELP and TYPE`);
    if (current !== family) {
      if (current !== undefined) done.add(current);
      if (done.has(family)) throw new Error(`${where}: ${family}'s samples are not together`);
      current = family;
    }
    const f = families.get(family)!;
    if (name.endsWith("_bucket") && f.type === "histogram" && labels.le === undefined) throw new Error(`${where}: a bucket without le`);
    if (f.type !== "histogram" && labels.le !== undefined && f.type !== "summary") throw new Error(`${where}: le on a ${f.type}`);
    if (f.type === "counter" && !(value >= 0)) throw new Error(`${where}: a counter below zero or NaN`);
    const key = seriesKey(name, labels);
    if (seen.has(key)) throw new Error(`${where}: series ${key} given twice`);
    seen.add(key);
    f.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (!helps.has(f.name) || !types.has(f.name)) throw new Error(`${f.name}: HELP and TYPE are both expected`);
  for (const f of families.values()) if (f.type === "histogram") checkHistogram(f);
  return families;
}

/** Per label set: buckets in rising `le`, counts that never fall, a +Inf bucket equal to _count, a _sum. */
function checkHistogram(f: MetricFamily): void {
  const sets = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = seriesKey("", rest);
    const set = sets.get(key) ?? { buckets: [] };
    sets.set(key, set);
    if (s.name === `${f.name}_bucket`) set.buckets.push([parseFloatStrict(le!, `${f.name} le`), s.value]);
    else if (s.name === `${f.name}_sum`) set.sum = s.value;
    else if (s.name === `${f.name}_count`) set.count = s.value;
    else throw new Error(`${f.name}: a sample named ${s.name} in a histogram`);
  }
  for (const [key, set] of sets) {
    const at = `${f.name}${key}`;
    if (set.sum === undefined || set.count === undefined) throw new Error(`${at}: _sum and _count are both expected`);
    const b = set.buckets;
    if (!b.length || b.at(-1)![0] !== Infinity) throw new Error(`${at}: the last bucket is not +Inf`);
    for (let i = 1; i < b.length; i++) {
      if (!(b[i]![0] > b[i - 1]![0])) throw new Error(`${at}: bucket bounds do not rise`);
      if (b[i]![1] < b[i - 1]![1]) throw new Error(`${at}: bucket counts are not cumulative`);
    }
    if (b.at(-1)![1] !== set.count) throw new Error(`${at}: the +Inf bucket (${b.at(-1)![1]}) is not _count (${set.count})`);
  }
}

/** The value of the one sample of `name` whose labels are exactly `labels`; undefined when there is none. */
export function sampleValue(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = familyOf(name, new Map([...families.values()].map((f) => [f.name, f.type])));
  const want = seriesKey(name, labels);
  return families.get(family ?? "")?.samples.find((s) => seriesKey(s.name, s.labels) === want)?.value;
}

/** Every sample of `name` whose labels include `labels` */
export function samplesOf(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): Sample[] {
  const family = familyOf(name, new Map([...families.values()].map((f) => [f.name, f.type])));
  return (families.get(family ?? "")?.samples ?? []).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}
