// Shaping per group and per model entry: prompt text, tools dropped, sampling parameters and extra
// body fields. The config's `shape:` blocks are compiled here, once at start-up, into one plain
// function per model route (the group's shaping first, the entry's on top), so that a request is
// never shaped by reading config objects.
import { Type, type Static } from "@sinclair/typebox";
import type { Request, Tool } from "../unified/request.ts";

const closed = { additionalProperties: false } as const;

/** A sampling parameter set to a number, or the client's own value scaled */
// (A scale's sign is checked by the loader: inside a union the schema could only say "Expected union value".)
// `expected` is what the loader says of a value that is neither.
const Tuned = Type.Union([Type.Number(), Type.Object({ scale: Type.Number() }, closed)], { expected: "a number, or { scale: f } with f > 0" });

export const ShapeSchema = Type.Object(
  {
    prompt: Type.Optional(
      Type.Object(
        {
          prepend: Type.Optional(Type.String()),
          append: Type.Optional(Type.String()),
          replace: Type.Optional(Type.String()),
          where: Type.Optional(Type.Union([Type.Literal("system"), Type.Literal("lastUser")])),
          onlyWithTools: Type.Optional(Type.Boolean()),
        },
        closed,
      ),
    ),
    /** Tool names, or globs (`*`, `?`), removed before the upstream sees them */
    dropTools: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    params: Type.Optional(
      Type.Object(
        {
          temperature: Type.Optional(Tuned),
          top_p: Type.Optional(Tuned),
          maxTokens: Type.Optional(Type.Object({ cap: Type.Integer({ minimum: 1 }) }, closed)),
          /** Fields merged into the upstream's body after encoding, whatever its protocol */
          extra: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        },
        closed,
      ),
    ),
  },
  closed,
);
export type Shape = Static<typeof ShapeSchema>;

/** Body fields `extra` may not set: the encoder's own, which say what is asked and of whom. */
export const RESERVED_EXTRA = ["model", "messages", "contents", "stream"] as const;

/** A tool name pattern: what tool names may hold (every protocol's), plus the glob characters. */
export const TOOL_GLOB = /^[A-Za-z0-9_.:*?-]+$/;

/** A route's compiled shaping: the request half runs before encoding, `extra` after. */
export interface Shaper {
  request(req: Request): Request;
  /** Fields for the upstream body; absent when none */
  extra?: Readonly<Record<string, unknown>>;
}

/** Group then entry; undefined when neither shapes anything. */
export function compileShape(group: Shape | undefined, entry: Shape | undefined): Shaper | undefined {
  const steps = [group, entry].filter((s): s is Shape => !!s).flatMap(stepsOf);
  const extra = { ...group?.params?.extra, ...entry?.params?.extra };
  for (const k of RESERVED_EXTRA) delete extra[k];
  const hasExtra = Object.keys(extra).length > 0;
  if (!steps.length && !hasExtra) return undefined;
  return {
    request: (req) => steps.reduce((r, step) => step(r), req),
    ...(hasExtra && { extra }),
  };
}

type Step = (req: Request) => Request;

// One Shape's steps, in the order they make sense: tools dropped first, so `onlyWithTools` and
// tool compatibility both see the tools that remain.
function stepsOf(s: Shape): Step[] {
  const out: Step[] = [];
  if (s.dropTools?.length) out.push(dropTools(s.dropTools));
  if (s.prompt) {
    const p = s.prompt;
    const edit = p.replace !== undefined ? { op: "replace" as const, text: p.replace } : p.prepend !== undefined ? { op: "prepend" as const, text: p.prepend } : p.append !== undefined ? { op: "append" as const, text: p.append } : undefined;
    if (edit) out.push(promptStep(edit.op, edit.text, p.where ?? "system", !!p.onlyWithTools));
  }
  const params = s.params;
  if (params?.temperature !== undefined || params?.top_p !== undefined || params?.maxTokens) {
    const temperature = tuner(params.temperature);
    const topP = tuner(params.top_p);
    const cap = params.maxTokens?.cap;
    out.push((req) => {
      const s = { ...req.sampling };
      if (temperature) set(s, "temperature", temperature(s.temperature));
      if (topP) set(s, "topP", topP(s.topP));
      if (cap !== undefined && s.maxTokens !== undefined && s.maxTokens > cap) s.maxTokens = cap;
      return { ...req, sampling: s };
    });
  }
  return out;
}

function set<K extends "temperature" | "topP">(s: NonNullable<Request["sampling"]>, k: K, v: number | undefined): void {
  if (v === undefined) delete s[k];
  else s[k] = v;
}

/** A fixed value replaces the client's (or supplies one); a scale applies only to a value the client gave. */
function tuner(t: Static<typeof Tuned> | undefined): ((v: number | undefined) => number | undefined) | undefined {
  if (t === undefined) return undefined;
  if (typeof t === "number") return () => t;
  const f = t.scale;
  return (v) => (v === undefined ? undefined : v * f);
}

export function toolPattern(names: readonly string[]): RegExp {
  const alt = names.map((n) => [...n].map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[.+^${}()|[\]\\/-]/, "\\$&"))).join(""));
  return new RegExp(`^(?:${alt.join("|")})$`, "s");
}

function dropTools(names: readonly string[]): Step {
  const drop = toolPattern(names);
  return (req) => {
    if (!req.tools?.some((t) => drop.test(t.name))) return req;
    const tools: Tool[] = req.tools.filter((t) => !drop.test(t.name));
    const { tools: _t, toolChoice, ...rest } = req;
    // A choice that named a dropped tool, or required a tool when none is left, would be refused upstream.
    const keepChoice = toolChoice && !(toolChoice.type === "tool" && drop.test(toolChoice.name ?? "")) && !(tools.length === 0 && toolChoice.type !== "none");
    return { ...rest, ...(tools.length && { tools }), ...(keepChoice && { toolChoice }) };
  };
}

function promptStep(op: "prepend" | "append" | "replace", text: string, where: "system" | "lastUser", onlyWithTools: boolean): Step {
  const part = { type: "text" as const, text };
  // Text goes into the nearest text part, a blank line apart, rather than a part of its own: some
  // encoders join parts with nothing between them. Images, tool results and the rest stay.
  const edit = <P extends { type: string; text?: string }>(parts: readonly P[]): (P | typeof part)[] => {
    const texts = parts.flatMap((p, j) => (p.type === "text" ? [j] : []));
    if (!texts.length) return op === "prepend" ? [part, ...parts] : [...parts, part];
    const at = op === "append" ? texts.at(-1)! : texts[0]!;
    const joined = (p: P) => ({ ...p, text: op === "prepend" ? `${text}\n\n${p.text}` : op === "append" ? `${p.text}\n\n${text}` : text });
    return parts.flatMap((p, j): P[] => (j === at ? [joined(p)] : op === "replace" && p.type === "text" ? [] : [p]));
  };
  return (req) => {
    if (onlyWithTools && !req.tools?.length) return req;
    if (where === "system") return { ...req, system: edit(req.system ?? []) as NonNullable<Request["system"]> };
    const i = req.messages.findLastIndex((m) => m.role === "user");
    if (i < 0) return req; // no user turn to shape: left as it is
    const messages = req.messages.slice();
    messages[i] = { ...messages[i]!, content: edit(messages[i]!.content) as Request["messages"][number]["content"] };
    return { ...req, messages };
  };
}
