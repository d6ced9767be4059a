// The unified response and the closed set of stop reasons every protocol maps onto.
import { Type, type Static } from "@sinclair/typebox";
import { Part } from "./request.ts";

export const StopReason = Type.Union([
  Type.Literal("end"),
  Type.Literal("max_tokens"),
  Type.Literal("tool_use"),
  Type.Literal("stop_sequence"),
  Type.Literal("content_filter"),
  Type.Literal("error"),
]);

export const Usage = Type.Object({
  input: Type.Optional(Type.Number()),
  output: Type.Optional(Type.Number()),
  cacheRead: Type.Optional(Type.Number()),
  cacheWrite: Type.Optional(Type.Number()),
  reasoning: Type.Optional(Type.Number()),
});

export const Response = Type.Object({
  id: Type.String(),
  model: Type.String(),
  content: Type.Array(Part),
  stopReason: StopReason,
  stopSequence: Type.Optional(Type.String()),
  usage: Usage,
});

export type StopReason = Static<typeof StopReason>;
export type Usage = Static<typeof Usage>;
export type Response = Static<typeof Response>;
