// The unified request: what every client protocol decodes into and every upstream protocol encodes from.
import { Type, type Static } from "@sinclair/typebox";

export const TextPart = Type.Object({
  type: Type.Literal("text"),
  text: Type.String(),
  /** Provider hints carried as given (Claude cache_control). */
  cache: Type.Optional(Type.Unknown()),
});

export const ImagePart = Type.Object({
  type: Type.Literal("image"),
  /** base64 data without any data: prefix, or absent when `url` is set */
  data: Type.Optional(Type.String()),
  mediaType: Type.Optional(Type.String()),
  url: Type.Optional(Type.String()),
  detail: Type.Optional(Type.String()),
  cache: Type.Optional(Type.Unknown()),
});

export const ToolCallPart = Type.Object({
  type: Type.Literal("tool_call"),
  id: Type.String(),
  name: Type.String(),
  /** Parsed arguments; `{}` when the model gave none. */
  input: Type.Record(Type.String(), Type.Unknown()),
  /** The arguments exactly as a model wrote them when they were not valid JSON. */
  raw: Type.Optional(Type.String()),
  /** Opaque provider signature attached to the call (Gemini thoughtSignature). */
  signature: Type.Optional(Type.String()),
  cache: Type.Optional(Type.Unknown()),
});

export const ToolResultPart = Type.Object({
  type: Type.Literal("tool_result"),
  id: Type.String(),
  /** The called tool's name, filled in by pairing with its call when the protocol omits it. */
  name: Type.Optional(Type.String()),
  content: Type.Array(Type.Union([TextPart, ImagePart])),
  isError: Type.Optional(Type.Boolean()),
  cache: Type.Optional(Type.Unknown()),
});

export const ThinkingPart = Type.Object({
  type: Type.Literal("thinking"),
  text: Type.String(),
  signature: Type.Optional(Type.String()),
  /** Claude redacted_thinking payload, passed back untouched. */
  redacted: Type.Optional(Type.String()),
});

export const Part = Type.Union([TextPart, ImagePart, ToolCallPart, ToolResultPart, ThinkingPart]);

export const Message = Type.Object({
  /** `system` only for instructions that appear mid-conversation; the leading ones live in Request.system. */
  role: Type.Union([Type.Literal("system"), Type.Literal("user"), Type.Literal("assistant")]),
  content: Type.Array(Part),
});

export const Tool = Type.Object({
  name: Type.String(),
  description: Type.Optional(Type.String()),
  /** JSON Schema as the client gave it, so key order survives. */
  parameters: Type.Optional(Type.Unknown()),
  cache: Type.Optional(Type.Unknown()),
});

export const ToolChoice = Type.Object({
  type: Type.Union([Type.Literal("auto"), Type.Literal("none"), Type.Literal("any"), Type.Literal("tool")]),
  name: Type.Optional(Type.String()),
  parallel: Type.Optional(Type.Boolean()),
});

export const Sampling = Type.Object({
  maxTokens: Type.Optional(Type.Number()),
  temperature: Type.Optional(Type.Number()),
  topP: Type.Optional(Type.Number()),
  topK: Type.Optional(Type.Number()),
  stop: Type.Optional(Type.Array(Type.String())),
  seed: Type.Optional(Type.Number()),
  presencePenalty: Type.Optional(Type.Number()),
  frequencyPenalty: Type.Optional(Type.Number()),
});

export const Thinking = Type.Object({
  enabled: Type.Boolean(),
  budget: Type.Optional(Type.Number()),
  /** low | medium | high, for protocols that speak in effort rather than budget */
  effort: Type.Optional(Type.String()),
});

/** Structured output: JSON, optionally held to a schema. Absent means free text. */
export const ResponseFormat = Type.Object({
  type: Type.Literal("json"),
  schema: Type.Optional(Type.Unknown()),
  name: Type.Optional(Type.String()),
});

export const Request = Type.Object({
  model: Type.String(),
  system: Type.Optional(Type.Array(TextPart)),
  messages: Type.Array(Message),
  tools: Type.Optional(Type.Array(Tool)),
  toolChoice: Type.Optional(ToolChoice),
  sampling: Type.Optional(Sampling),
  thinking: Type.Optional(Thinking),
  responseFormat: Type.Optional(ResponseFormat),
  stream: Type.Optional(Type.Boolean()),
  user: Type.Optional(Type.String()),
  /** Protocol fields with no unified meaning, carried to an upstream of the same protocol. */
  extra: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export type TextPart = Static<typeof TextPart>;
export type ImagePart = Static<typeof ImagePart>;
export type ToolCallPart = Static<typeof ToolCallPart>;
export type ToolResultPart = Static<typeof ToolResultPart>;
export type ThinkingPart = Static<typeof ThinkingPart>;
export type Part = Static<typeof Part>;
export type Message = Static<typeof Message>;
export type Tool = Static<typeof Tool>;
export type ToolChoice = Static<typeof ToolChoice>;
export type ResponseFormat = Static<typeof ResponseFormat>;
export type Request = Static<typeof Request>;
