// The instruction of tool compatibility mode: a user-editable template file (compat/instruction.yaml,
// built in, or replaced from the config's mappings folder), checked at start-up, rendered per request.
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { SourceError } from "../config/yaml-source.ts";
import { readMapping } from "../mapping/read.ts";
import { errorIn } from "../mapping/override.ts";
import INSTRUCTION_TEXT from "../../mappings/compat/instruction.yaml" with { type: "text" };

export const INSTRUCTION_FILE = "compat/instruction";

export const InstructionSpec = Type.Object(
  {
    placement: Type.Union([Type.Literal("system"), Type.Literal("user")]),
    instruction: Type.String(),
    tool: Type.String(),
    choice: Type.Object(
      { auto: Type.String(), any: Type.String(), tool: Type.String(), none: Type.String(), single: Type.String() },
      { additionalProperties: false },
    ),
    call: Type.String(),
    result: Type.String(),
    error: Type.String(),
  },
  { additionalProperties: false },
);
export type Instruction = Static<typeof InstructionSpec>;

/** The placeholders each template may use; any other is a start-up error, not a silent blank. */
const PLACEHOLDERS: Record<string, readonly string[]> = {
  instruction: ["tools", "choice"],
  tool: ["name", "description", "parameters"],
  "choice.tool": ["name"],
  call: ["json", "name", "arguments", "id"],
  result: ["name", "id", "content"],
  error: ["name", "id", "content"],
};

const PLACEHOLDER = /\{\{(\w+)\}\}/g;

export function render(template: string, vars: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (_, k: string) => vars[k] ?? "");
}

const loaded = new Map<string, Instruction>();

/**
 * Reads and checks the template (errors name file, line and field); a good one becomes the one
 * `instructionFor` gives, so a config reload picks up an edited file.
 */
export function loadInstruction(overrideDir?: string): { instruction?: Instruction; errors: SourceError[] } {
  const parsed = readMapping(INSTRUCTION_FILE, overrideDir, INSTRUCTION_TEXT);
  if (!parsed) return { errors: [{ file: `mappings/${INSTRUCTION_FILE}.yaml`, line: 1, field: "", message: "mapping file missing" }] };
  if (!parsed.source) return { errors: parsed.errors };
  const source = parsed.source;
  const errors = [...Value.Errors(InstructionSpec, source.value)].map((e) =>
    errorIn(source, e.path.split("/").filter(Boolean), e.message),
  );
  if (errors.length) return { errors };
  const value = source.value as Instruction;
  for (const [field, allowed] of Object.entries(PLACEHOLDERS)) {
    const path = field.split(".");
    const text = path.reduce((o: any, k) => o[k], value) as string;
    for (const [, name] of text.matchAll(PLACEHOLDER))
      if (!allowed.includes(name!))
        errors.push(errorIn(source, path, `unknown placeholder {{${name}}} (allowed: ${allowed.map((a) => `{{${a}}}`).join(", ")})`));
  }
  if (errors.length) return { errors };
  loaded.set(overrideDir ?? "", value);
  return { instruction: value, errors };
}

/** The instruction for a mappings folder, read once; `check`, `serve` and reloads report its errors. */
export function instructionFor(overrideDir?: string): Instruction {
  const t = loaded.get(overrideDir ?? "") ?? loadInstruction(overrideDir).instruction;
  if (!t) throw new Error(`tool compatibility instruction: ${loadInstruction(overrideDir).errors.map((e) => `${e.file}:${e.line}: ${e.message}`).join("; ")}`);
  return t;
}
