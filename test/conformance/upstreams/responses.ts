// The OpenAI Responses upstream side of the matrix: exact response objects and event streams from
// `POST /v1/responses`, and what the upstream received read back as input items.
import { startUpstream } from "../../support/upstream.ts";
import { responsesEvents, responsesObject, type ResponsesItem, type ResponsesOpts } from "../../support/wire-responses.ts";
import type { Answer, Seen, Stop, ToolCall, UpstreamDriver } from "../types.ts";
import { turnList } from "./turns.ts";

/**
 * Responses has no stop reason: a turn ends `completed` (tool calls are function_call items), or
 * `incomplete` with a reason. It has no stop sequences either, so a stop_sequence stop is completed.
 */
const STATUS: Record<Stop, Pick<ResponsesOpts, "status" | "incomplete">> = {
  end: { status: "completed" },
  tool_use: { status: "completed" },
  stop_sequence: { status: "completed" },
  max_tokens: { status: "incomplete", incomplete: "max_output_tokens" },
  content_filter: { status: "incomplete", incomplete: "content_filter" },
};

/** Output items in the order the API produces them: reasoning, the message, then the calls. */
function opts(a: Answer): ResponsesOpts {
  const items: ResponsesItem[] = [];
  if (a.thinking) items.push({ type: "reasoning", summary: a.thinking.pieces, encrypted: a.thinking.signature });
  if (a.text) items.push({ type: "message", text: a.text });
  for (const t of a.toolCalls ?? []) items.push({ type: "function_call", callId: t.id, name: t.name, arguments: t.args });
  return { items, ...STATUS[a.stop], usage: { input: a.usage.input, output: a.usage.output } };
}

/** Text of a message's content: a string, or input_text / output_text parts. */
const text = (content: unknown): string =>
  typeof content === "string"
    ? content
    : Array.isArray(content)
      ? content.filter((p) => p.type === "input_text" || p.type === "output_text").map((p) => p.text).join("")
      : "";

/** A custom tool carries one free-form string; in neutral terms, a function taking `input`. */
const CUSTOM_PARAMETERS = { type: "object", properties: { input: { type: "string" } }, required: ["input"] };

function seen(body: any): Seen {
  const { turns, turn } = turnList();
  const system: string[] = [];
  if (typeof body.instructions === "string" && body.instructions !== "") system.push(body.instructions);
  const names = new Map<string, string>();
  const call = (id: string, name: string, input: ToolCall["input"]) => {
    names.set(id, name);
    turn("assistant").toolCalls.push({ id, name, input });
  };
  const items: any[] = typeof body.input === "string" ? [{ role: "user", content: body.input }] : (body.input ?? []);
  for (const it of items) {
    const type = it.type ?? "message"; // an easy input message may leave its type out
    if (type === "message" && (it.role === "system" || it.role === "developer")) system.push(text(it.content));
    else if (type === "message" && it.role === "user") {
      const t = turn("user");
      t.text += text(it.content);
      if (Array.isArray(it.content))
        for (const p of it.content)
          if (p.type === "input_image") {
            const [, mediaType, data] = /^data:([^;]+);base64,(.*)$/.exec(p.image_url ?? "") ?? [];
            t.images.push({ mediaType, data });
          }
    } else if (type === "message") turn("assistant").text += text(it.content);
    else if (type === "reasoning")
      turn("assistant").thinking = {
        text: (it.summary ?? []).map((s: any) => s.text).join(""),
        ...(it.encrypted_content ? { signature: it.encrypted_content } : {}),
      };
    else if (type === "function_call") call(it.call_id, it.name, JSON.parse(it.arguments || "{}"));
    else if (type === "custom_tool_call") call(it.call_id, it.name, { input: it.input });
    else if (type === "function_call_output" || type === "custom_tool_call_output")
      turn("user").toolResults.push({ id: it.call_id, name: names.get(it.call_id) ?? "", output: typeof it.output === "string" ? it.output : text(it.output) });
    else throw new Error(`the upstream received an input item it has no neutral form for: ${type}`);
  }
  const tc = body.tool_choice;
  return {
    model: body.model,
    stream: body.stream === true,
    system: system.length ? system.join("\n") : undefined,
    turns,
    tools: (body.tools ?? []).map((t: any) =>
      t.type === "custom"
        ? { name: t.name, description: t.description, parameters: CUSTOM_PARAMETERS }
        : { name: t.name, description: t.description, parameters: t.parameters },
    ),
    toolChoice: tc === undefined ? undefined : typeof tc === "object" ? { name: tc.name } : tc === "required" ? "any" : tc,
    // No top_k, no stop sequences: the Responses API has neither.
    sampling: { maxTokens: body.max_output_tokens, temperature: body.temperature, topP: body.top_p },
  };
}

export const upstream: UpstreamDriver = {
  protocol: "responses",
  start: () => startUpstream("responses"),
  reply: (a, stream) => (stream ? { sse: responsesEvents(opts(a)) } : { json: responsesObject(opts(a)) }),
  // Everything up to the last text delta: no output_text.done, content_part.done, output_item.done
  // nor response.completed.
  cutStream: (pieces) => ({ sse: responsesEvents({ items: [{ type: "message", text: pieces }] }).slice(0, -4), cut: true }),
  seen: (r) => seen(r.body),
};
