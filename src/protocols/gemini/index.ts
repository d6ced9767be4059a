// Gemini (generateContent): the model and the method are in the path, so its routes are patterns.
import { EMBED_SPECS, someTool, type ProtocolDef, type UpstreamTarget } from "../protocol.ts";
import embed_request_decode from "../../../mappings/gemini/embed.request.decode.yaml" with { type: "text" };
import embed_request_encode from "../../../mappings/gemini/embed.request.encode.yaml" with { type: "text" };
import embed_response_decode from "../../../mappings/gemini/embed.response.decode.yaml" with { type: "text" };
import embed_response_encode from "../../../mappings/gemini/embed.response.encode.yaml" with { type: "text" };
import { geminiFunctions } from "./functions.ts";
import error_decode from "../../../mappings/gemini/error.decode.yaml" with { type: "text" };
import error_encode from "../../../mappings/gemini/error.encode.yaml" with { type: "text" };
import models_decode from "../../../mappings/gemini/models.decode.yaml" with { type: "text" };
import models_encode from "../../../mappings/gemini/models.encode.yaml" with { type: "text" };
import parts_defs from "../../../mappings/gemini/parts.defs.yaml" with { type: "text" };
import request_decode from "../../../mappings/gemini/request.decode.yaml" with { type: "text" };
import request_encode from "../../../mappings/gemini/request.encode.yaml" with { type: "text" };
import response_decode from "../../../mappings/gemini/response.decode.yaml" with { type: "text" };
import response_encode from "../../../mappings/gemini/response.encode.yaml" with { type: "text" };
import stream_decode from "../../../mappings/gemini/stream.decode.yaml" with { type: "text" };
import stream_encode from "../../../mappings/gemini/stream.encode.yaml" with { type: "text" };

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

const decode = (segment: string) => decodeURIComponent(segment); // throws on bad percent-encoding: the server answers 400
const call = (method: string) => new RegExp(`^/v1(?:beta)?/models/(.+):${method}$`);
/** The model comes from the client: one encoded path segment, so it can name no other path or query. */
const model = (t: UpstreamTarget) => `/v1beta/models/${encodeURIComponent(t.model)}`;

export const gemini: ProtocolDef = {
  name: "gemini",
  article: "a Gemini",
  routes: [
    { method: "POST", path: call("generateContent"), endpoint: "generate", params: (m) => ({ model: decode(m[1]!), stream: false }) },
    {
      method: "POST",
      path: call("streamGenerateContent"),
      endpoint: "generate",
      params: (m, url) => ({ model: decode(m[1]!), stream: true, frame: url.searchParams.get("alt") === "sse" ? "sse" : "json" }),
    },
    { method: "POST", path: call("countTokens"), endpoint: "count", params: (m) => ({ model: decode(m[1]!) }) },
    { method: "POST", path: call("embedContent"), endpoint: "embed", params: (m) => ({ model: decode(m[1]!), single: true }) },
    { method: "POST", path: call("batchEmbedContents"), endpoint: "embed", params: (m) => ({ model: decode(m[1]!) }) },
    { method: "GET", path: "/v1beta/models", endpoint: "models" },
    { method: "GET", path: "/v1/models", endpoint: "models" },
    { method: "GET", path: /^\/v1(?:beta)?\/models\/(.+)$/, endpoint: "model", params: (m) => ({ model: decode(m[1]!) }) },
  ],
  // Google's SDKs send their key as x-goog-api-key, or as ?key=.
  identifies: (h, url) => h.has("x-goog-api-key") || url.searchParams.has("key"),
  owns: (path) => path.startsWith("/v1beta/"),
  webSearch: (body) => someTool(body, (t) => t.googleSearch !== undefined || t.google_search !== undefined),
  specs: EMBED_SPECS,
  mappings,
  functions: geminiFunctions,
  upstream: {
    auth: (h, key) => void (h["x-goog-api-key"] = key),
    paths: {
      generate: (t) => `${model(t)}:${t.stream ? "streamGenerateContent?alt=sse" : "generateContent"}`,
      count: (t) => `${model(t)}:countTokens`,
      // The batch call, so one call serves every input
      embed: (t) => `${model(t)}:batchEmbedContents`,
    },
    catalog: (cursor) => `/v1beta/models?pageSize=1000${cursor === undefined ? "" : `&pageToken=${encodeURIComponent(cursor)}`}`,
  },
};
