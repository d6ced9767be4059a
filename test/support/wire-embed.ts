// Embeddings replies in each upstream protocol's exact wire format, and what each upstream was sent,
// read back in neutral terms (model, texts, dimensions, task), for the embeddings tests.
import type { Protocol, Received } from "./upstream.ts";

/**
 * The whole reply of an upstream's embeddings call. `tokens` is the input count the upstream states,
 * where its protocol states one (the Gemini API states none).
 * @see https://platform.openai.com/docs/api-reference/embeddings/object
 * @see https://ai.google.dev/api/embeddings#batchembedcontentsresponse
 * @see https://github.com/ollama/ollama/blob/main/docs/api.md#generate-embeddings
 */
export function embeddingsReply(protocol: Protocol, model: string, vectors: number[][], tokens: number): unknown {
  switch (protocol) {
    case "openai":
      return {
        object: "list",
        data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding })),
        model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      };
    case "gemini":
      return { embeddings: vectors.map((values) => ({ values })) };
    case "ollama":
      return { model, embeddings: vectors, total_duration: 14143917, load_duration: 1019500, prompt_eval_count: tokens };
    case "claude":
      throw new Error("Claude has no embeddings endpoint");
  }
}

/** Whether the protocol's embeddings reply states the input tokens. */
export const STATES_TOKENS: Record<Protocol, boolean> = { openai: true, gemini: false, ollama: true, claude: false };

export interface EmbedSeen {
  path: string;
  model: string;
  texts: string[];
  dimensions?: number;
  task?: string;
  auth: string | undefined;
}

/** What an upstream's embeddings call asked for, whatever its protocol. */
export function embedSeen(protocol: Protocol, r: Received): EmbedSeen {
  const b = r.body;
  switch (protocol) {
    case "openai":
      return { path: r.path, model: b.model, texts: b.input, dimensions: b.dimensions, auth: r.headers.authorization };
    case "gemini": {
      const requests = b.requests as { model: string; content: { parts: { text: string }[] }; outputDimensionality?: number; taskType?: string }[];
      return {
        path: r.path,
        model: decodeURIComponent(r.path.match(/\/models\/([^/:]+):/)![1]!),
        texts: requests.map((q) => q.content.parts.map((p) => p.text).join("")),
        dimensions: requests[0]?.outputDimensionality,
        task: requests[0]?.taskType,
        auth: r.headers["x-goog-api-key"],
      };
    }
    case "ollama":
      return { path: r.path, model: b.model, texts: b.input, dimensions: b.dimensions, auth: r.headers.authorization };
    case "claude":
      throw new Error("Claude has no embeddings endpoint");
  }
}
