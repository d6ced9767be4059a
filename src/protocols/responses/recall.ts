// The Responses API's references to earlier answers: `previous_response_id` and `item_reference`
// items. The proxy keeps the answers it converts (unless the request says `store: false`, as Codex
// does) and fills such references in before decoding, so any upstream gets the whole conversation.
// An answer a Responses upstream gave (passed through) has that upstream's ids and is not kept here:
// references to it go on to that upstream, which keeps its own.
import type { KeptAnswers } from "../protocol.ts";

/** One kept answer: what it followed, the request's own input, and the output the client got. */
interface KeptResponse {
  previous?: string;
  input: unknown[];
  output: unknown[];
}

type Body = Record<string, unknown>;
const isObject = (v: unknown): v is Body => !!v && typeof v === "object" && !Array.isArray(v);

/** An item naming an earlier one by id: `{type: "item_reference", id}`, or `{id}` alone. */
const isReference = (item: unknown): item is { id: string } =>
  isObject(item) && typeof item.id === "string" && (item.type === "item_reference" || (item.type === undefined && item.role === undefined));

/** How many answers back a previous_response_id chain is followed. */
const MAX_CHAIN = 1000;

const howLong = (l: KeptAnswers["limits"]) => `the last ${l.maxEntries.toLocaleString("en")} answers it converted, for ${l.ttlMs / 60000} minutes`;

export const responsesRecall = {
  expand(body: unknown, kept: KeptAnswers): { body: unknown; unresolved?: { param: string; message: string } } {
    if (!isObject(body)) return { body };
    const previous = body.previous_response_id;
    const own = Array.isArray(body.input) ? body.input : undefined;
    const resolved = own?.some(isReference) ? own.flatMap((item) => (isReference(item) ? (itemById(item.id, kept) ?? [item]) : [item])) : own;
    const unknown = (param: string, what: string) => ({
      param,
      message: `${param}: ${what} is not known here; this proxy keeps ${howLong(kept.limits)} (not those with store: false), so send the whole conversation in \`input\``,
    });
    const stray = resolved?.findIndex(isReference) ?? -1;
    const strayRef = stray < 0 ? undefined : unknown(`input[${own!.indexOf(resolved![stray])}]`, `item "${(resolved![stray] as { id: string }).id.slice(0, 100)}"`);
    if (typeof previous !== "string") return resolved === own ? { body } : { body: { ...body, input: resolved }, unresolved: strayRef };
    const history = chain(previous, kept);
    if (!history) return { body: resolved === own ? body : { ...body, input: resolved }, unresolved: unknown("previous_response_id", `"${previous.slice(0, 100)}"`) };
    const { previous_response_id: _, ...rest } = body;
    const input = typeof body.input === "string" ? [{ role: "user", content: body.input }] : (resolved ?? []);
    return { body: { ...rest, input: [...history, ...input] }, unresolved: strayRef };
  },

  /** Keeps an answer the client got (a response object, or a stream's last frames), unless the request said store: false. */
  keep(body: unknown, answer: unknown, kept: KeptAnswers): void {
    if (!isObject(body) || body.store === false) return;
    const response = Array.isArray(answer) ? answer.map((f) => f?.data?.response).find(isObject) : answer;
    if (!isObject(response) || typeof response.id !== "string" || !Array.isArray(response.output)) return;
    if (response.status !== "completed" && response.status !== "incomplete") return;
    const input = typeof body.input === "string" ? [{ role: "user", content: body.input }] : Array.isArray(body.input) ? body.input : [];
    const entry: KeptResponse = {
      previous: typeof body.previous_response_id === "string" ? body.previous_response_id : undefined,
      input: input.flatMap((item) => (isReference(item) ? (itemById(item.id, kept) ?? []) : [item])),
      output: response.output,
    };
    const ids = response.output.map((item) => (isObject(item) && typeof item.id === "string" ? item.id : undefined)).filter((id) => id !== undefined);
    kept.set(response.id, entry, JSON.stringify(entry).length, ids);
  },
};

/** The output item an id names, from the kept answer that holds it. */
function itemById(id: string, kept: KeptAnswers): unknown[] | undefined {
  const r = kept.get(id) as KeptResponse | undefined;
  const item = r?.output.find((o) => isObject(o) && o.id === id);
  return item === undefined ? undefined : [item];
}

/** The whole conversation up to and including an answer: its predecessors', its input, its output. */
function chain(id: string, kept: KeptAnswers): unknown[] | undefined {
  const links: KeptResponse[] = [];
  for (let at: string | undefined = id; at !== undefined; ) {
    const r = kept.get(at) as KeptResponse | undefined;
    if (!r || links.length >= MAX_CHAIN) return undefined;
    links.push(r);
    at = r.previous;
  }
  return links.reverse().flatMap((r) => [...r.input, ...r.output]);
}
