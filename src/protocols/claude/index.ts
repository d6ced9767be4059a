// Claude (Anthropic Messages).
import { someTool, typedTool, type ProtocolDef } from "../protocol.ts";
import { claudeFunctions } from "./functions.ts";
import blocks_defs from "../../../mappings/claude/blocks.defs.yaml" with { type: "text" };
import error_decode from "../../../mappings/claude/error.decode.yaml" with { type: "text" };
import error_encode from "../../../mappings/claude/error.encode.yaml" with { type: "text" };
import models_decode from "../../../mappings/claude/models.decode.yaml" with { type: "text" };
import models_encode from "../../../mappings/claude/models.encode.yaml" with { type: "text" };
import request_decode from "../../../mappings/claude/request.decode.yaml" with { type: "text" };
import request_encode from "../../../mappings/claude/request.encode.yaml" with { type: "text" };
import response_decode from "../../../mappings/claude/response.decode.yaml" with { type: "text" };
import response_encode from "../../../mappings/claude/response.encode.yaml" with { type: "text" };
import stream_decode from "../../../mappings/claude/stream.decode.yaml" with { type: "text" };
import stream_encode from "../../../mappings/claude/stream.encode.yaml" with { type: "text" };

const mappings = {
  "blocks.defs": blocks_defs,
  "error.decode": error_decode,
  "error.encode": error_encode,
  "models.decode": models_decode,
  "models.encode": models_encode,
  "request.decode": request_decode,
  "request.encode": request_encode,
  "response.decode": response_decode,
  "response.encode": response_encode,
  "stream.decode": stream_decode,
  "stream.encode": stream_encode,
};

/**
 * Claude Code's gateway contract names both Anthropic headers: the client's value wins over the default.
 * @see https://code.claude.com/docs/en/llm-gateway
 */
export const claude: ProtocolDef = {
  name: "claude",
  article: "a Claude",
  routes: [
    { method: "POST", path: "/v1/messages", endpoint: "generate" },
    { method: "POST", path: "/v1/messages/count_tokens", endpoint: "count" },
    { method: "GET", path: "/v1/models", endpoint: "models" },
  ],
  // Anthropic's SDKs send anthropic-version and their key as x-api-key.
  identifies: (h) => h.has("anthropic-version") || h.has("x-api-key"),
  owns: (path) => path === "/v1/messages" || path.startsWith("/v1/messages/"),
  webSearch: (body) => someTool(body, typedTool("web_search")),
  mappings,
  functions: claudeFunctions,
  upstream: {
    auth: (h, key) => void (h["x-api-key"] = key),
    forwarded: ["anthropic-beta", "anthropic-version"],
    defaults: { "anthropic-version": "2023-06-01" },
    paths: { generate: () => "/v1/messages", count: () => "/v1/messages/count_tokens" },
    catalog: (cursor) => `/v1/models?limit=1000${cursor === undefined ? "" : `&after_id=${encodeURIComponent(cursor)}`}`,
  },
};
