// Ollama: /api/chat, /api/generate (the chat path with its own decode and encode), and the model
// routes its clients read before they chat.
import { EMBED_SPECS, type ProtocolDef } from "../protocol.ts";
import embed_request_decode from "../../../mappings/ollama/embed.request.decode.yaml" with { type: "text" };
import embed_request_encode from "../../../mappings/ollama/embed.request.encode.yaml" with { type: "text" };
import embed_response_decode from "../../../mappings/ollama/embed.response.decode.yaml" with { type: "text" };
import embed_response_encode from "../../../mappings/ollama/embed.response.encode.yaml" with { type: "text" };
import { ollamaFunctions } from "./functions.ts";
import error_decode from "../../../mappings/ollama/error.decode.yaml" with { type: "text" };
import error_encode from "../../../mappings/ollama/error.encode.yaml" with { type: "text" };
import generate_decode from "../../../mappings/ollama/generate.decode.yaml" with { type: "text" };
import generate_encode from "../../../mappings/ollama/generate.encode.yaml" with { type: "text" };
import generate_stream_encode from "../../../mappings/ollama/generate.stream.encode.yaml" with { type: "text" };
import messages_defs from "../../../mappings/ollama/messages.defs.yaml" with { type: "text" };
import models_decode from "../../../mappings/ollama/models.decode.yaml" with { type: "text" };
import models_defs from "../../../mappings/ollama/models.defs.yaml" with { type: "text" };
import models_encode from "../../../mappings/ollama/models.encode.yaml" with { type: "text" };
import request_decode from "../../../mappings/ollama/request.decode.yaml" with { type: "text" };
import request_encode from "../../../mappings/ollama/request.encode.yaml" with { type: "text" };
import response_decode from "../../../mappings/ollama/response.decode.yaml" with { type: "text" };
import response_encode from "../../../mappings/ollama/response.encode.yaml" with { type: "text" };
import show_encode from "../../../mappings/ollama/show.encode.yaml" with { type: "text" };
import stream_decode from "../../../mappings/ollama/stream.decode.yaml" with { type: "text" };
import stream_encode from "../../../mappings/ollama/stream.encode.yaml" with { type: "text" };

const mappings = {
  "embed.request.decode": embed_request_decode,
  "embed.request.encode": embed_request_encode,
  "embed.response.decode": embed_response_decode,
  "embed.response.encode": embed_response_encode,
  "error.decode": error_decode,
  "error.encode": error_encode,
  "generate.decode": generate_decode,
  "generate.encode": generate_encode,
  "generate.stream.encode": generate_stream_encode,
  "messages.defs": messages_defs,
  "models.decode": models_decode,
  "models.defs": models_defs,
  "models.encode": models_encode,
  "request.decode": request_decode,
  "request.encode": request_encode,
  "response.decode": response_decode,
  "response.encode": response_encode,
  "show.encode": show_encode,
  "stream.decode": stream_decode,
  "stream.encode": stream_encode,
};

export const ollama: ProtocolDef = {
  name: "ollama",
  article: "an Ollama",
  routes: [
    { method: "POST", path: "/api/chat", endpoint: "generate" },
    {
      method: "POST",
      path: "/api/generate",
      endpoint: "generate",
      specs: { "request.decode": "generate.decode", "response.encode": "generate.encode", "stream.encode": "generate.stream.encode" },
    },
    { method: "POST", path: "/api/embed", endpoint: "embed" },
    // A pattern, not an exact path, only so that its params can say `legacy`
    { method: "POST", path: /^\/api\/embeddings$/, endpoint: "embed", params: () => ({ legacy: true }) },
    { method: "GET", path: "/api/tags", endpoint: "tags" },
    { method: "POST", path: "/api/show", endpoint: "show" },
    { method: "GET", path: "/api/version", endpoint: "version" },
  ],
  owns: (path) => path.startsWith("/api/"),
  specs: ["generate.decode", "generate.encode", "generate.stream.encode", "show.encode", ...EMBED_SPECS],
  mappings,
  functions: ollamaFunctions,
  upstream: {
    auth: (h, key) => void (h.authorization = `Bearer ${key}`), // ollama.com; a local server ignores it
    paths: { generate: () => "/api/chat", show: () => "/api/show", embed: () => "/api/embed" },
    catalog: () => "/api/tags",
  },
};
