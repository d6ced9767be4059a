// The unified embedding form: what every client's embeddings request decodes into and every
// upstream's embeddings call encodes from, and the vectors that come back.
import { Type, type Static } from "@sinclair/typebox";

/** Most inputs one request may carry: OpenAI's documented limit, and a bound on what a client makes the proxy walk. */
export const MAX_EMBED_INPUTS = 2048;

export const EmbedRequest = Type.Object({
  model: Type.String(),
  /** The texts to embed, in order; one vector comes back for each. */
  inputs: Type.Array(Type.String(), { minItems: 1, maxItems: MAX_EMBED_INPUTS }),
  /** Length of each vector, where the model can shorten them (OpenAI `dimensions`, Gemini `outputDimensionality`). */
  dimensions: Type.Optional(Type.Integer({ minimum: 1 })),
  /** What the vectors are for (Gemini `taskType`: RETRIEVAL_QUERY, RETRIEVAL_DOCUMENT, …); only Gemini reads it. */
  task: Type.Optional(Type.String()),
  /** The document's title, with task RETRIEVAL_DOCUMENT (Gemini). */
  title: Type.Optional(Type.String()),
  /** Whether an input longer than the model's context is cut rather than refused (Ollama). */
  truncate: Type.Optional(Type.Boolean()),
  user: Type.Optional(Type.String()),
  /**
   * How the client wants its vectors written (OpenAI `encoding_format`). Never sent upstream: the
   * proxy always asks for floats and packs them itself.
   */
  encoding: Type.Optional(Type.Union([Type.Literal("float"), Type.Literal("base64")])),
  /** Protocol fields with no unified meaning, carried to an upstream of the same protocol (Ollama `options`). */
  extra: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export const EmbedResponse = Type.Object({
  model: Type.Optional(Type.String()),
  /** One vector per input, in the inputs' order. */
  vectors: Type.Array(Type.Array(Type.Number())),
  /** Absent when the upstream states none (the Gemini API never does for embeddings) */
  usage: Type.Optional(Type.Object({ input: Type.Optional(Type.Number()) })),
});

export type EmbedRequest = Static<typeof EmbedRequest>;
export type EmbedResponse = Static<typeof EmbedResponse>;
