// Unified stream events. Stream decode mappings emit the loose `DecodedEvent`s chunk by chunk;
// the normalizer (convert/stream-normalizer.ts) turns them into the strict `StreamEvent` grammar
// that every encode mapping consumes: start, blocks (start / deltas / stop) keyed by index, stop.
import { Type, type Static } from "@sinclair/typebox";
import { StopReason, Usage } from "./response.ts";

export const ErrorKind = Type.Union([
  Type.Literal("invalid_request"),
  Type.Literal("authentication"),
  Type.Literal("permission"),
  Type.Literal("not_found"),
  Type.Literal("request_too_large"),
  Type.Literal("rate_limit"),
  Type.Literal("api_error"),
  Type.Literal("overloaded"),
  Type.Literal("timeout"),
]);
export type ErrorKind = Static<typeof ErrorKind>;

export const UnifiedError = Type.Object({
  kind: ErrorKind,
  message: Type.String(),
  status: Type.Number(),
  /** The request field the error is about, when there is one. */
  param: Type.Optional(Type.String()),
});
export type UnifiedError = Static<typeof UnifiedError>;

export const BlockKind = Type.Union([Type.Literal("text"), Type.Literal("thinking"), Type.Literal("tool_call")]);
export type BlockKind = Static<typeof BlockKind>;

const Block = {
  index: Type.Number(),
  kind: BlockKind,
  id: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  /** Position among tool calls only (OpenAI's tool_calls[].index). */
  toolIndex: Type.Optional(Type.Number()),
  redacted: Type.Optional(Type.String()),
};

export const BlockStop = Type.Object({
  type: Type.Literal("block_stop"),
  ...Block,
  /** Whole arguments of a finished tool call, for protocols that send calls whole. */
  input: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  signature: Type.Optional(Type.String()),
  /** The block's whole text (text and thinking), for an encoding that restates it (`whole: true`) */
  text: Type.Optional(Type.String()),
  /** Among an error's blocks: the one the failure cut short, never stopped on the stream */
  incomplete: Type.Optional(Type.Boolean()),
});
export type BlockStop = Static<typeof BlockStop>;

export const StreamEvent = Type.Union([
  Type.Object({ type: Type.Literal("start"), id: Type.String(), model: Type.String(), usage: Usage }),
  Type.Object({ type: Type.Literal("block_start"), ...Block }),
  Type.Object({ type: Type.Literal("text_delta"), index: Type.Number(), text: Type.String() }),
  Type.Object({ type: Type.Literal("thinking_delta"), index: Type.Number(), text: Type.String() }),
  Type.Object({ type: Type.Literal("signature_delta"), index: Type.Number(), signature: Type.String() }),
  Type.Object({
    type: Type.Literal("tool_delta"),
    index: Type.Number(),
    toolIndex: Type.Number(),
    json: Type.String(),
    /** The call's tool, for an encoding that restates whole blocks */
    name: Type.Optional(Type.String()),
  }),
  BlockStop,
  Type.Object({
    type: Type.Literal("stop"),
    reason: StopReason,
    stopSequence: Type.Optional(Type.String()),
    usage: Usage,
    /** Every finished block, in order, for an encoding that restates the whole answer at its end (`whole: true`) */
    blocks: Type.Optional(Type.Array(BlockStop)),
  }),
  Type.Object({ type: Type.Literal("error"), ...UnifiedError.properties, blocks: Type.Optional(Type.Array(BlockStop)) }),
]);
export type StreamEvent = Static<typeof StreamEvent>;

/** What a stream decode mapping may emit for one upstream chunk; loose on purpose. */
export type DecodedEvent =
  | { type: "start"; id?: string; model?: string; usage?: Usage }
  | { type: "text"; text?: string }
  | { type: "thinking"; text?: string; signature?: string; redacted?: string }
  | {
      type: "tool";
      /** Identifies the call across fragments (OpenAI tool_calls[].index, Claude block index). */
      slot?: number | string;
      id?: string;
      name?: string;
      /** An argument fragment */
      json?: string;
      /** Whole arguments, for protocols that send calls whole */
      input?: Record<string, unknown>;
      signature?: string;
    }
  | { type: "end" }
  | { type: "usage"; usage: Usage }
  | { type: "stop"; reason?: Static<typeof StopReason>; stopSequence?: string }
  | { type: "error"; kind?: ErrorKind; message?: string; status?: number };
