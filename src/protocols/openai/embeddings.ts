// OpenAI's embeddings list: each vector with its index, as floats or packed as base64, which the
// DSL cannot express (an item's position, bytes of float32).
import { NoArgs, withArgs } from "../../mapping/functions.ts";

/**
 * `encoding_format: base64` is the vector as little-endian float32 bytes, base64-encoded: what the
 * official API sends and the official SDKs unpack (the Node SDK asks for it by default).
 * @see https://platform.openai.com/docs/api-reference/embeddings/create#embeddings-create-encoding_format
 */
export function float32Base64(vector: readonly number[]): string {
  const view = new DataView(new ArrayBuffer(vector.length * 4));
  for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i]!, true);
  return Buffer.from(view.buffer).toString("base64");
}

/** `{vectors, encoding}` → OpenAI's `data`: `{object: "embedding", index, embedding}` in the vectors' order. */
export const openaiEmbeddings = withArgs(NoArgs, (v: { vectors?: number[][]; encoding?: string }) => {
  const base64 = v?.encoding === "base64";
  return (v?.vectors ?? []).map((vector, index) => ({ object: "embedding", index, embedding: base64 ? float32Base64(vector) : vector }));
});

export const openaiEmbeddingFunctions = { openaiEmbeddings };
