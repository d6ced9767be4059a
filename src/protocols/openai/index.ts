// OpenAI-compatible chat completions: the protocol most servers speak, and the one a client that
// names no other is taken to speak.
import { EMBED_SPECS, type ProtocolDef } from "../protocol.ts";
import { openaiFunctions } from "./functions.ts";
import { openaiEmbeddingFunctions } from "./embeddings.ts";
import embed_request_decode from "../../../mappings/openai/embed.request.decode.yaml" with { type: "text" };
import embed_request_encode from "../../../mappings/openai/embed.request.encode.yaml" with { type: "text" };
import embed_response_decode from "../../../mappings/openai/embed.response.decode.yaml" with { type: "text" };
import embed_response_encode from "../../../mappings/openai/embed.response.encode.yaml" with { type: "text" };
import error_decode from "../../../mappings/openai/error.decode.yaml" with { type: "text" };
import error_encode from "../../../mappings/openai/error.encode.yaml" with { type: "text" };
import models_decode from "../../../mappings/openai/models.decode.yaml" with { type: "text" };
import models_encode from "../../../mappings/openai/models.encode.yaml" with { type: "text" };
import parts_defs from "../../../mappings/openai/parts.defs.yaml" with { type: "text" };
import request_decode from "../../../mappings/openai/request.decode.yaml" with { type: "text" };
import request_encode from "../../../mappings/openai/request.encode.yaml" with { type: "text" };
import response_decode from "../../../mappings/openai/response.decode.yaml" with { type: "text" };
import response_encode from "../../../mappings/openai/response.encode.yaml" with { type: "text" };
import stream_decode from "../../../mappings/openai/stream.decode.yaml" with { type: "text" };
import stream_encode from "../../../mappings/openai/stream.encode.yaml" with { type: "text" };

const mappings = {
  "embed.request.decode": embed_request_decode,
  "embed.request.encode": embed_request_encode,
  "embed.response.decode": embed_response_decode,
  "embed.response.encode": embed_response_encode,
  "error.decode": error_decode,
  "error.encode": error_encode,
  "models.decode": models_decode,
  "models.encode": models_encode,
  "parts.defs": parts_defs,
  "request.decode": request_decode,
  "request.encode": request_encode,
  "response.decode": response_decode,
  "response.encode": response_encode,
  "stream.decode": stream_decode,
  "stream.encode": stream_encode,
};

export const openai: ProtocolDef = {
  name: "openai",
  article: "an OpenAI",
  fallback: true,
  webSearch: (body) => !!(body as { web_search_options?: unknown } | null)?.web_search_options,
  routes: [
    { method: "POST", path: "/v1/chat/completions", endpoint: "generate" },
    { method: "POST", path: "/chat/completions", endpoint: "generate" },
    { method: "POST", path: "/v1/embeddings", endpoint: "embed" },
    { method: "POST", path: "/embeddings", endpoint: "embed" },
    { method: "GET", path: "/v1/models", endpoint: "models" },
    { method: "GET", path: "/models", endpoint: "models" },
  ],
  specs: EMBED_SPECS,
  mappings,
  functions: { ...openaiFunctions, ...openaiEmbeddingFunctions },
  upstream: {
    auth: (h, key) => void (h.authorization = `Bearer ${key}`),
    forwarded: ["openai-organization", "openai-project"],
    paths: { generate: () => "/chat/completions", embed: () => "/embeddings" },
    catalog: () => "/models",
  },
};
