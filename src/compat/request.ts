// The request side of tool compatibility mode, on the unified form: the tools are described in an
// injected instruction and taken off the request; earlier calls and results become tagged text.
import type { Message, Part, Request, TextPart, Tool, ToolChoice, ToolResultPart } from "../unified/index.ts";
import { pairToolResults } from "../protocols/turns.ts";
import { render, type Instruction } from "./instruction.ts";
import { isObject } from "./parse.ts";

export function compatRequest(req: Request, t: Instruction): Request {
  const { tools, toolChoice, ...rest } = req;
  const calls = new Map<string, { name: string; order: number }>();
  for (const m of req.messages) for (const p of m.content) if (p.type === "tool_call") calls.set(p.id, { name: p.name, order: calls.size });
  const messages = pairToolResults(req.messages).map((m) => reencode(m, t, calls));
  if (!tools?.length) return { ...rest, messages };
  const text = instructionText(tools, toolChoice, t);
  if (t.placement === "system") return { ...rest, messages, system: [...(req.system ?? []), { type: "text", text }] };
  const last = messages.findLastIndex((m) => m.role === "user");
  if (last < 0) return { ...rest, messages: [...messages, { role: "user", content: [{ type: "text", text }] }] };
  messages[last] = { ...messages[last]!, content: joinText([...messages[last]!.content, { type: "text", text }]) };
  return { ...rest, messages };
}

/** The instruction for a request's tools and tool choice. */
export function instructionText(tools: readonly Tool[], choice: ToolChoice | undefined, t: Instruction): string {
  const lines = [t.choice[choice?.type ?? "auto"], choice?.parallel === false ? t.choice.single : ""];
  const text = render(t.instruction, {
    tools: tools.map((tool) => render(t.tool, describe(tool))).join("\n\n"),
    choice: lines.filter(Boolean).map((l) => render(l, { name: choice?.name ?? "" })).join("\n"),
  });
  return text.replace(/\n{3,}/g, "\n\n").trim();
}

function describe(tool: Tool): Record<string, string> {
  return { name: tool.name, description: tool.description ?? "", parameters: JSON.stringify(requiredFirst(tool.parameters ?? {})) };
}

/** The schema with its required properties listed first and the keys a model needs not read left out. */
function requiredFirst(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  const { $schema: _s, additionalProperties: _a, ...rest } = schema;
  if (!isObject(rest.properties)) return rest;
  const required = new Set(Array.isArray(rest.required) ? (rest.required as string[]) : []);
  const keys = Object.keys(rest.properties);
  const ordered = [...keys.filter((k) => required.has(k)), ...keys.filter((k) => !required.has(k))];
  return { ...rest, properties: Object.fromEntries(ordered.map((k) => [k, (rest.properties as Record<string, unknown>)[k]])) };
}

/** A turn with its calls and results written as the tagged text the model is taught; results come
 * first, in the order of their calls, since the model pairs them by position. */
function reencode(m: Message, t: Instruction, calls: Map<string, { name: string; order: number }>): Message {
  if (!m.content.some((p) => p.type === "tool_call" || p.type === "tool_result")) return m;
  const order = (p: Part) => (p.type === "tool_result" ? calls.get(p.id)?.order ?? 0 : calls.size);
  const content: Part[] = [];
  for (const p of m.content.toSorted((a, b) => order(a) - order(b))) {
    if (p.type === "tool_call") {
      const args = JSON.stringify(p.input);
      const json = JSON.stringify({ name: p.name, arguments: p.input });
      content.push({ type: "text", text: render(t.call, { json, name: p.name, arguments: args, id: p.id }) });
    } else if (p.type === "tool_result") content.push(...result(p, p.name ?? calls.get(p.id)?.name ?? "", t));
    else content.push(p);
  }
  return { role: m.role, content: joinText(content) };
}

function result(p: ToolResultPart, name: string, t: Instruction): Part[] {
  const text = p.content.filter((c): c is TextPart => c.type === "text").map((c) => c.text).join("\n");
  const vars = { name, id: p.id, content: text };
  const images = p.content.filter((c) => c.type === "image");
  return [{ type: "text", text: render(p.isError ? t.error : t.result, vars) }, ...images];
}

/** Adjacent text parts joined, so each turn reads as one piece of text. */
function joinText(content: Part[]): Part[] {
  const out: Part[] = [];
  for (const p of content) {
    const last = out[out.length - 1];
    if (p.type === "text" && last?.type === "text" && !last.cache) out[out.length - 1] = { type: "text", text: `${last.text}\n\n${p.text}` };
    else out.push(p);
  }
  return out;
}
