// The OpenAI Responses API: what the Codex CLI, the AI SDK's default OpenAI model and newer OpenAI
// models speak. Input items and output items instead of messages; a stream of typed, numbered
// events that restates the whole response at its end. Its error bodies and model lists are OpenAI's.
import { someTool, typedTool, type ProtocolDef } from "../protocol.ts";
import { responsesRecall } from "./recall.ts";
import error_decode from "../../../mappings/openai/error.decode.yaml" with { type: "text" };
import error_encode from "../../../mappings/openai/error.encode.yaml" with { type: "text" };
import models_decode from "../../../mappings/openai/models.decode.yaml" with { type: "text" };
import models_encode from "../../../mappings/openai/models.encode.yaml" with { type: "text" };
import parts_defs from "../../../mappings/openai/parts.defs.yaml" with { type: "text" };
import items_defs from "../../../mappings/responses/items.defs.yaml" with { type: "text" };
import request_decode from "../../../mappings/responses/request.decode.yaml" with { type: "text" };
import request_encode from "../../../mappings/responses/request.encode.yaml" with { type: "text" };
import response_decode from "../../../mappings/responses/response.decode.yaml" with { type: "text" };
import response_encode from "../../../mappings/responses/response.encode.yaml" with { type: "text" };
import stream_decode from "../../../mappings/responses/stream.decode.yaml" with { type: "text" };
import stream_encode from "../../../mappings/responses/stream.encode.yaml" with { type: "text" };

const mappings = {
  // OpenAI's error bodies and model lists, read from the same files (overridable here on their own)
  "error.decode": error_decode,
  "error.encode": error_encode,
  "models.decode": models_decode,
  "models.encode": models_encode,
  "parts.defs": parts_defs,
  "items.defs": items_defs,
  "request.decode": request_decode,
  "request.encode": request_encode,
  "response.decode": response_decode,
  "response.encode": response_encode,
  "stream.decode": stream_decode,
  "stream.encode": stream_encode,
};

export const responses: ProtocolDef = {
  name: "responses",
  article: "an OpenAI Responses",
  passThrough: true,
  webSearch: (body) => someTool(body, typedTool("web_search")),
  recall: responsesRecall,
  routes: [
    { method: "POST", path: "/v1/responses", endpoint: "generate" },
    { method: "POST", path: "/responses", endpoint: "generate" },
  ],
  // Retrieve, delete, cancel, input items: the proxy keeps its answers only for a later request to name.
  unserved: [
    {
      path: /^(?:\/v1)?\/responses\/./,
      why: "this proxy keeps its answers only for a later request to name as previous_response_id; none can be retrieved, cancelled or listed",
    },
  ],
  mappings,
  upstream: {
    auth: (h, key) => void (h.authorization = `Bearer ${key}`),
    forwarded: ["openai-organization", "openai-project", "openai-beta"],
    paths: { generate: () => "/responses" },
    catalog: () => "/models",
  },
};
