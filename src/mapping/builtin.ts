// The default mappings, embedded in the executable as text (bun build --compile bundles these imports).

import claude_blocks_defs from "../../mappings/claude/blocks.defs.yaml" with { type: "text" };
import claude_error_decode from "../../mappings/claude/error.decode.yaml" with { type: "text" };
import claude_error_encode from "../../mappings/claude/error.encode.yaml" with { type: "text" };
import claude_models_decode from "../../mappings/claude/models.decode.yaml" with { type: "text" };
import claude_models_encode from "../../mappings/claude/models.encode.yaml" with { type: "text" };
import claude_request_decode from "../../mappings/claude/request.decode.yaml" with { type: "text" };
import claude_request_encode from "../../mappings/claude/request.encode.yaml" with { type: "text" };
import claude_response_decode from "../../mappings/claude/response.decode.yaml" with { type: "text" };
import claude_response_encode from "../../mappings/claude/response.encode.yaml" with { type: "text" };
import claude_stream_decode from "../../mappings/claude/stream.decode.yaml" with { type: "text" };
import claude_stream_encode from "../../mappings/claude/stream.encode.yaml" with { type: "text" };
import compat_instruction from "../../mappings/compat/instruction.yaml" with { type: "text" };
import gemini_embed_request_decode from "../../mappings/gemini/embed.request.decode.yaml" with { type: "text" };
import gemini_embed_request_encode from "../../mappings/gemini/embed.request.encode.yaml" with { type: "text" };
import gemini_embed_response_decode from "../../mappings/gemini/embed.response.decode.yaml" with { type: "text" };
import gemini_embed_response_encode from "../../mappings/gemini/embed.response.encode.yaml" with { type: "text" };
import gemini_error_decode from "../../mappings/gemini/error.decode.yaml" with { type: "text" };
import gemini_error_encode from "../../mappings/gemini/error.encode.yaml" with { type: "text" };
import gemini_models_decode from "../../mappings/gemini/models.decode.yaml" with { type: "text" };
import gemini_models_encode from "../../mappings/gemini/models.encode.yaml" with { type: "text" };
import gemini_parts_defs from "../../mappings/gemini/parts.defs.yaml" with { type: "text" };
import gemini_request_decode from "../../mappings/gemini/request.decode.yaml" with { type: "text" };
import gemini_request_encode from "../../mappings/gemini/request.encode.yaml" with { type: "text" };
import gemini_response_decode from "../../mappings/gemini/response.decode.yaml" with { type: "text" };
import gemini_response_encode from "../../mappings/gemini/response.encode.yaml" with { type: "text" };
import gemini_stream_decode from "../../mappings/gemini/stream.decode.yaml" with { type: "text" };
import gemini_stream_encode from "../../mappings/gemini/stream.encode.yaml" with { type: "text" };
import ollama_embed_request_decode from "../../mappings/ollama/embed.request.decode.yaml" with { type: "text" };
import ollama_embed_request_encode from "../../mappings/ollama/embed.request.encode.yaml" with { type: "text" };
import ollama_embed_response_decode from "../../mappings/ollama/embed.response.decode.yaml" with { type: "text" };
import ollama_embed_response_encode from "../../mappings/ollama/embed.response.encode.yaml" with { type: "text" };
import ollama_error_decode from "../../mappings/ollama/error.decode.yaml" with { type: "text" };
import ollama_error_encode from "../../mappings/ollama/error.encode.yaml" with { type: "text" };
import ollama_generate_decode from "../../mappings/ollama/generate.decode.yaml" with { type: "text" };
import ollama_generate_encode from "../../mappings/ollama/generate.encode.yaml" with { type: "text" };
import ollama_generate_stream_encode from "../../mappings/ollama/generate.stream.encode.yaml" with { type: "text" };
import ollama_messages_defs from "../../mappings/ollama/messages.defs.yaml" with { type: "text" };
import ollama_models_decode from "../../mappings/ollama/models.decode.yaml" with { type: "text" };
import ollama_models_defs from "../../mappings/ollama/models.defs.yaml" with { type: "text" };
import ollama_models_encode from "../../mappings/ollama/models.encode.yaml" with { type: "text" };
import ollama_request_decode from "../../mappings/ollama/request.decode.yaml" with { type: "text" };
import ollama_request_encode from "../../mappings/ollama/request.encode.yaml" with { type: "text" };
import ollama_response_decode from "../../mappings/ollama/response.decode.yaml" with { type: "text" };
import ollama_response_encode from "../../mappings/ollama/response.encode.yaml" with { type: "text" };
import ollama_show_encode from "../../mappings/ollama/show.encode.yaml" with { type: "text" };
import ollama_stream_decode from "../../mappings/ollama/stream.decode.yaml" with { type: "text" };
import ollama_stream_encode from "../../mappings/ollama/stream.encode.yaml" with { type: "text" };
import openai_embed_request_decode from "../../mappings/openai/embed.request.decode.yaml" with { type: "text" };
import openai_embed_request_encode from "../../mappings/openai/embed.request.encode.yaml" with { type: "text" };
import openai_embed_response_decode from "../../mappings/openai/embed.response.decode.yaml" with { type: "text" };
import openai_embed_response_encode from "../../mappings/openai/embed.response.encode.yaml" with { type: "text" };
import openai_error_decode from "../../mappings/openai/error.decode.yaml" with { type: "text" };
import openai_error_encode from "../../mappings/openai/error.encode.yaml" with { type: "text" };
import openai_models_decode from "../../mappings/openai/models.decode.yaml" with { type: "text" };
import openai_models_encode from "../../mappings/openai/models.encode.yaml" with { type: "text" };
import openai_parts_defs from "../../mappings/openai/parts.defs.yaml" with { type: "text" };
import openai_request_decode from "../../mappings/openai/request.decode.yaml" with { type: "text" };
import openai_request_encode from "../../mappings/openai/request.encode.yaml" with { type: "text" };
import openai_response_decode from "../../mappings/openai/response.decode.yaml" with { type: "text" };
import openai_response_encode from "../../mappings/openai/response.encode.yaml" with { type: "text" };
import openai_stream_decode from "../../mappings/openai/stream.decode.yaml" with { type: "text" };
import openai_stream_encode from "../../mappings/openai/stream.encode.yaml" with { type: "text" };

export const BUILTIN_MAPPINGS: Record<string, string> = {
  "claude/blocks.defs": claude_blocks_defs,
  "claude/error.decode": claude_error_decode,
  "claude/error.encode": claude_error_encode,
  "claude/models.decode": claude_models_decode,
  "claude/models.encode": claude_models_encode,
  "claude/request.decode": claude_request_decode,
  "claude/request.encode": claude_request_encode,
  "claude/response.decode": claude_response_decode,
  "claude/response.encode": claude_response_encode,
  "claude/stream.decode": claude_stream_decode,
  "claude/stream.encode": claude_stream_encode,
  "compat/instruction": compat_instruction,
  "gemini/embed.request.decode": gemini_embed_request_decode,
  "gemini/embed.request.encode": gemini_embed_request_encode,
  "gemini/embed.response.decode": gemini_embed_response_decode,
  "gemini/embed.response.encode": gemini_embed_response_encode,
  "gemini/error.decode": gemini_error_decode,
  "gemini/error.encode": gemini_error_encode,
  "gemini/models.decode": gemini_models_decode,
  "gemini/models.encode": gemini_models_encode,
  "gemini/parts.defs": gemini_parts_defs,
  "gemini/request.decode": gemini_request_decode,
  "gemini/request.encode": gemini_request_encode,
  "gemini/response.decode": gemini_response_decode,
  "gemini/response.encode": gemini_response_encode,
  "gemini/stream.decode": gemini_stream_decode,
  "gemini/stream.encode": gemini_stream_encode,
  "ollama/embed.request.decode": ollama_embed_request_decode,
  "ollama/embed.request.encode": ollama_embed_request_encode,
  "ollama/embed.response.decode": ollama_embed_response_decode,
  "ollama/embed.response.encode": ollama_embed_response_encode,
  "ollama/error.decode": ollama_error_decode,
  "ollama/error.encode": ollama_error_encode,
  "ollama/generate.decode": ollama_generate_decode,
  "ollama/generate.encode": ollama_generate_encode,
  "ollama/generate.stream.encode": ollama_generate_stream_encode,
  "ollama/messages.defs": ollama_messages_defs,
  "ollama/models.decode": ollama_models_decode,
  "ollama/models.defs": ollama_models_defs,
  "ollama/models.encode": ollama_models_encode,
  "ollama/request.decode": ollama_request_decode,
  "ollama/request.encode": ollama_request_encode,
  "ollama/response.decode": ollama_response_decode,
  "ollama/response.encode": ollama_response_encode,
  "ollama/show.encode": ollama_show_encode,
  "ollama/stream.decode": ollama_stream_decode,
  "ollama/stream.encode": ollama_stream_encode,
  "openai/embed.request.decode": openai_embed_request_decode,
  "openai/embed.request.encode": openai_embed_request_encode,
  "openai/embed.response.decode": openai_embed_response_decode,
  "openai/embed.response.encode": openai_embed_response_encode,
  "openai/error.decode": openai_error_decode,
  "openai/error.encode": openai_error_encode,
  "openai/models.decode": openai_models_decode,
  "openai/models.encode": openai_models_encode,
  "openai/parts.defs": openai_parts_defs,
  "openai/request.decode": openai_request_decode,
  "openai/request.encode": openai_request_encode,
  "openai/response.decode": openai_response_decode,
  "openai/response.encode": openai_response_encode,
  "openai/stream.decode": openai_stream_decode,
  "openai/stream.encode": openai_stream_encode,
};
