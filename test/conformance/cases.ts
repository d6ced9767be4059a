// The conformance cases, written once as data and run for every client × upstream pair.
import type { Answer, Conversation, ToolDef } from "./types.ts";

export interface Case {
  name: string;
  conversation: Omit<Conversation, "stream">;
  answer: Answer;
  /** Plain, streamed, or both (the default) */
  modes?: ("plain" | "stream")[];
}

export const WEATHER: ToolDef = {
  name: "get_weather",
  description: "Current weather for a city",
  parameters: { type: "object", properties: { city: { type: "string", description: "City name" } }, required: ["city"] },
};
export const TIME: ToolDef = {
  name: "get_time",
  description: "Local time in a city",
  parameters: { type: "object", properties: { city: { type: "string" }, format: { type: "string", enum: ["12h", "24h"] } }, required: ["city"] },
};

// A 1×1 transparent PNG.
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const usage = { input: 42, output: 17 };

export const CASES: Case[] = [
  {
    name: "text",
    conversation: { turns: [{ role: "user", text: "Say hello." }] },
    answer: { text: ["Hel", "lo, ", "wörld ✓"], stop: "end", usage },
  },
  {
    name: "system prompt and sampling reach the upstream",
    conversation: {
      system: "You answer in one word.",
      turns: [{ role: "user", text: "Sky colour?" }],
      sampling: { maxTokens: 300, temperature: 0.25, topP: 0.5, stop: ["END"] },
    },
    answer: { text: ["Blue"], stop: "end", usage },
  },
  {
    name: "multi-turn history",
    conversation: {
      turns: [
        { role: "user", text: "My name is Ada." },
        { role: "assistant", text: "Hello Ada." },
        { role: "user", text: "What is my name?" },
      ],
    },
    answer: { text: ["Ada."], stop: "end", usage },
  },
  {
    name: "max_tokens stop",
    conversation: { turns: [{ role: "user", text: "Count to a million." }], sampling: { maxTokens: 5 } },
    answer: { text: ["1, 2, 3"], stop: "max_tokens", usage },
  },
  {
    name: "tool call with text before it: arguments split, stop reason tool_use",
    conversation: { turns: [{ role: "user", text: "Weather in Paris?" }], tools: [WEATHER], toolChoice: "auto" },
    answer: {
      text: ["Let me check."],
      toolCalls: [{ id: "call_w1", name: "get_weather", args: ['{"ci', 'ty": "Par', 'is"}'] }],
      stop: "tool_use",
      usage,
    },
  },
  {
    name: "parallel tool calls",
    conversation: { turns: [{ role: "user", text: "Weather and time in Oslo?" }], tools: [WEATHER, TIME] },
    answer: {
      toolCalls: [
        { id: "call_p1", name: "get_weather", args: ['{"city":', '"Oslo"}'] },
        { id: "call_p2", name: "get_time", args: ['{"city":"Oslo",', '"format":"24h"}'] },
      ],
      stop: "tool_use",
      usage,
    },
  },
  {
    name: "a named tool choice",
    conversation: { turns: [{ role: "user", text: "Oslo?" }], tools: [WEATHER, TIME], toolChoice: { name: "get_time" } },
    answer: { toolCalls: [{ id: "call_n1", name: "get_time", args: ['{"city":"Oslo"}'] }], stop: "tool_use", usage },
  },
  {
    name: "tool round trip: the result goes back paired with its call",
    conversation: {
      tools: [WEATHER],
      turns: [
        { role: "user", text: "Weather in Paris?" },
        { role: "assistant", toolCalls: [{ id: "call_r1", name: "get_weather", input: { city: "Paris" } }] },
        { role: "user", toolResults: [{ id: "call_r1", name: "get_weather", output: "18°C and sunny" }] },
      ],
    },
    answer: { text: ["It is 18°C ", "and sunny."], stop: "end", usage },
  },
  {
    name: "image",
    conversation: { turns: [{ role: "user", text: "What is in this image?", image: { mediaType: "image/png", data: PNG } }] },
    answer: { text: ["A transparent pixel."], stop: "end", usage },
  },
  {
    name: "thinking",
    conversation: { turns: [{ role: "user", text: "Think, then answer: 2+2?" }], thinking: true },
    answer: { thinking: { pieces: ["Two plus ", "two is four."], signature: "sig-Ej4KAiYB" }, text: ["4"], stop: "end", usage },
  },
];
