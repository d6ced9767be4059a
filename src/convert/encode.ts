// The unified request encoded for an upstream. A mapping function may refuse part of it (a tool
// schema Gemini cannot take): that is the client's request at fault, answered as a 400 naming the
// field in the client's own terms.
import type { CompiledTemplate } from "../mapping/compile.ts";
import { Unconvertible, type MappingContext } from "../mapping/functions.ts";
import type { ProtocolName } from "../mapping/load.ts";
import type { Request, UnifiedError } from "../unified/index.ts";
import { unifiedError } from "./errors.ts";

export function encodeRequest(
  spec: CompiledTemplate,
  input: Request,
  ctx: MappingContext,
  client: { protocol: ProtocolName; body: unknown },
): { body: unknown } | { error: UnifiedError } {
  try {
    return { body: spec.run(input, ctx) };
  } catch (e) {
    if (!(e instanceof Unconvertible)) throw e;
    const field = toolSchemaField(client, input.tools?.findIndex((t) => t.parameters === e.value) ?? -1);
    return { error: unifiedError(400, field ? `${field}: ${e.message}` : e.message, field) };
  }
}

/** Where tool `i`'s schema sits in the client's body; Gemini lists declarations inside each tool. */
function toolSchemaField(client: { protocol: ProtocolName; body: unknown }, i: number): string | undefined {
  if (i < 0) return undefined;
  switch (client.protocol) {
    case "openai":
    case "ollama":
      return `tools[${i}].function.parameters`;
    case "claude":
      return `tools[${i}].input_schema`;
    case "gemini": {
      const tools = (client.body as { tools?: { functionDeclarations?: Record<string, unknown>[] }[] }).tools ?? [];
      for (const [t, tool] of tools.entries()) {
        const decls = Array.isArray(tool?.functionDeclarations) ? tool.functionDeclarations : [];
        if (i < decls.length) return `tools[${t}].functionDeclarations[${i}].${decls[i]?.parameters ? "parameters" : "parametersJsonSchema"}`;
        i -= decls.length;
      }
      return undefined;
    }
  }
}
