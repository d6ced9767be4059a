// The scripted model behind the real-CLI tests: it writes the file when a write tool is offered
// (or a shell tool, with a command that writes it and prints it back), finishes once the tool's
// result is back, and answers side calls briefly — in neutral terms, so
// every upstream driver can speak it in its own wire format.
import type { Answer, Seen } from "../conformance/types.ts";

export const FINAL = "Created hello.txt for you.";
const usage = { input: 1200, output: 40 };

/** Claude Code's tool is Write, Gemini CLI's write_file; both take file_path and content. */
const WRITE_TOOLS = ["Write", "write_file"];
/** Codex's shell tool: it runs `cmd` and answers with what the command printed. */
export const SHELL_TOOL = "exec_command";

const sh = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
/** Writes `content` to `file` and prints the file, so the tool's result carries the content. */
export const shellCommand = (file: string, content: string) => `printf %s ${sh(content)} > ${sh(file)} && cat ${sh(file)}`;

export function scriptedAnswer(seen: Seen, file: string, content: string): Answer {
  const last = seen.turns.at(-1);
  if (last?.toolResults.length) return { text: [FINAL.slice(0, 8), FINAL.slice(8)], stop: "end", usage };
  const write = seen.tools.find((t) => WRITE_TOOLS.includes(t.name));
  if (write) {
    const args = JSON.stringify({ file_path: file, content });
    return {
      text: ["I will write the file."],
      toolCalls: [{ id: "toolu_e2e_1", name: write.name, args: [args.slice(0, 20), args.slice(20)] }],
      stop: "tool_use",
      usage,
    };
  }
  if (seen.tools.some((t) => t.name === SHELL_TOOL)) {
    const args = JSON.stringify({ cmd: shellCommand(file, content) });
    return {
      text: ["I will run a command."],
      toolCalls: [{ id: "toolu_e2e_1", name: SHELL_TOOL, args: [args.slice(0, 20), args.slice(20)] }],
      stop: "tool_use",
      usage,
    };
  }
  // Gemini CLI's model router asks for a JSON verdict in its prompt.
  if (/complexity_score/.test(seen.system ?? ""))
    return { text: ['{"complexity_reasoning": "a single file write", "complexity_score": 12}'], stop: "end", usage };
  return { text: ["ok"], stop: "end", usage };
}
