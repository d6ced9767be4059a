// The default mappings, embedded in the executable as text (bun build --compile bundles these imports).

import claude_blocks_defs from "../../mappings/claude/blocks.defs.yaml" with { type: "text" };
import claude_error_decode from "../../mappings/claude/error.decode.yaml" with { type: "text" };
import claude_error_encode from "../../mappings/claude/error.encode.yaml" with { type: "text" };
import claude_models_encode from "../../mappings/claude/models.encode.yaml" with { type: "text" };
import claude_request_decode from "../../mappings/claude/request.decode.yaml" with { type: "text" };
import claude_request_encode from "../../mappings/claude/request.encode.yaml" with { type: "text" };
import claude_response_decode from "../../mappings/claude/response.decode.yaml" with { type: "text" };
import claude_response_encode from "../../mappings/claude/response.encode.yaml" with { type: "text" };
import claude_stream_decode from "../../mappings/claude/stream.decode.yaml" with { type: "text" };
import claude_stream_encode from "../../mappings/claude/stream.encode.yaml" with { type: "text" };
import gemini_error_decode from "../../mappings/gemini/error.decode.yaml" with { type: "text" };
import gemini_error_encode from "../../mappings/gemini/error.encode.yaml" with { type: "text" };
import gemini_models_encode from "../../mappings/gemini/models.encode.yaml" with { type: "text" };
import gemini_parts_defs from "../../mappings/gemini/parts.defs.yaml" with { type: "text" };
import gemini_request_decode from "../../mappings/gemini/request.decode.yaml" with { type: "text" };
import gemini_request_encode from "../../mappings/gemini/request.encode.yaml" with { type: "text" };
import gemini_response_decode from "../../mappings/gemini/response.decode.yaml" with { type: "text" };
import gemini_response_encode from "../../mappings/gemini/response.encode.yaml" with { type: "text" };
import gemini_stream_decode from "../../mappings/gemini/stream.decode.yaml" with { type: "text" };
import gemini_stream_encode from "../../mappings/gemini/stream.encode.yaml" with { type: "text" };
import openai_error_decode from "../../mappings/openai/error.decode.yaml" with { type: "text" };
import openai_error_encode from "../../mappings/openai/error.encode.yaml" with { type: "text" };
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
  "claude/models.encode": claude_models_encode,
  "claude/request.decode": claude_request_decode,
  "claude/request.encode": claude_request_encode,
  "claude/response.decode": claude_response_decode,
  "claude/response.encode": claude_response_encode,
  "claude/stream.decode": claude_stream_decode,
  "claude/stream.encode": claude_stream_encode,
  "gemini/error.decode": gemini_error_decode,
  "gemini/error.encode": gemini_error_encode,
  "gemini/models.encode": gemini_models_encode,
  "gemini/parts.defs": gemini_parts_defs,
  "gemini/request.decode": gemini_request_decode,
  "gemini/request.encode": gemini_request_encode,
  "gemini/response.decode": gemini_response_decode,
  "gemini/response.encode": gemini_response_encode,
  "gemini/stream.decode": gemini_stream_decode,
  "gemini/stream.encode": gemini_stream_encode,
  "openai/error.decode": openai_error_decode,
  "openai/error.encode": openai_error_encode,
  "openai/models.encode": openai_models_encode,
  "openai/parts.defs": openai_parts_defs,
  "openai/request.decode": openai_request_decode,
  "openai/request.encode": openai_request_encode,
  "openai/response.decode": openai_response_decode,
  "openai/response.encode": openai_response_encode,
  "openai/stream.decode": openai_stream_decode,
  "openai/stream.encode": openai_stream_encode,
};
