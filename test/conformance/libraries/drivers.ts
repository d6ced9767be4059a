// Client libraries nobody here wrote, driven through the proxy as their users drive them: LangChain JS
// (ChatAnthropic, ChatGoogleGenerativeAI, ChatOpenAI on the Responses API) and the AI SDK
// (@ai-sdk/anthropic, @ai-sdk/google, @ai-sdk/openai in its chat-completions mode and its default, the
// Responses API). Each streams one prompt and reports what the library itself reports: the text, the
// usage and the finish reason, in the library's own words.
import { ChatAnthropic } from "@langchain/anthropic";
import { ChatGoogleGenerativeAI } from "@langchain/google-genai";
import { ChatOpenAI } from "@langchain/openai";
import { HumanMessage, ToolMessage, type AIMessage, type AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createGoogleGenerativeAI } from "@ai-sdk/google";
import { createOpenAI } from "@ai-sdk/openai";
import type { Protocol } from "../types.ts";
import { WEATHER } from "../cases.ts";

export interface Reported {
  text: string;
  usage: { input?: number; output?: number };
  /** The finish reason as the library reports it */
  finish?: string;
}

export interface Ask {
  prompt: string;
  maxTokens?: number;
}

export interface LibraryDriver {
  name: string;
  protocol: Protocol;
  /** The library's word for a turn that ended normally, and for one cut at max tokens */
  finishes: { end: string; max_tokens: string };
  /**
   * LangChain's ChatAnthropic takes the input count from message_start alone, and adds
   * message_start's output_tokens to message_delta's total (the 1 the API states at the start).
   */
  readsStartUsage?: boolean;
  stream(proxyUrl: string, key: string, model: string, ask: Ask): Promise<Reported>;
  /** The library's plain (unstreamed) call, where a test runs it */
  generate?(proxyUrl: string, key: string, model: string, ask: Ask): Promise<Reported>;
}

/** Folds LangChain's streamed chunks as `concat` does, into one message. */
async function langchainFold(chunks: AsyncIterable<AIMessageChunk>): Promise<AIMessageChunk> {
  let all: AIMessageChunk | undefined;
  for await (const c of chunks) all = all ? all.concat(c) : c;
  if (!all) throw new Error("the stream gave no chunk");
  return all;
}

const text = (m: AIMessage) => (typeof m.content === "string" ? m.content : m.content.map((p) => ("text" in p ? p.text : "")).join(""));

const langchainAnthropic: LibraryDriver = {
  name: "LangChain ChatAnthropic",
  protocol: "claude",
  finishes: { end: "end_turn", max_tokens: "max_tokens" },
  readsStartUsage: true,
  async stream(proxyUrl, key, model, ask) {
    const llm = new ChatAnthropic({ model, apiKey: key, anthropicApiUrl: proxyUrl, maxRetries: 0, maxTokens: ask.maxTokens ?? 1024, streamUsage: true });
    const m = await langchainFold(await llm.stream(ask.prompt));
    const u = m.usage_metadata;
    // The stop reason rides in message_delta's delta, which LangChain keeps as additional_kwargs.
    return { text: text(m), usage: { input: u?.input_tokens, output: u?.output_tokens }, finish: m.additional_kwargs.stop_reason as string | undefined };
  },
};

const langchainGoogle: LibraryDriver = {
  name: "LangChain ChatGoogleGenerativeAI",
  protocol: "gemini",
  finishes: { end: "STOP", max_tokens: "MAX_TOKENS" },
  async stream(proxyUrl, key, model, ask) {
    const llm = new ChatGoogleGenerativeAI({ model, apiKey: key, baseUrl: proxyUrl, maxRetries: 0, maxOutputTokens: ask.maxTokens, streamUsage: true });
    const m = await langchainFold(await llm.stream(ask.prompt));
    const u = m.usage_metadata;
    return { text: text(m), usage: { input: u?.input_tokens, output: u?.output_tokens }, finish: m.response_metadata.finishReason as string | undefined };
  },
};

const langchainOpenAIResponses: LibraryDriver = {
  name: "LangChain ChatOpenAI useResponsesApi",
  protocol: "responses",
  // The response's status, and for an incomplete one its reason: LangChain copies response.completed's
  // (or response.incomplete's) fields into response_metadata and has no finish reason of its own.
  finishes: { end: "completed", max_tokens: "incomplete: max_output_tokens" },
  stream: async (proxyUrl, key, model, ask) => langchainResponsesReport(langchainFold(await langchainOpenAI(proxyUrl, key, model, ask.maxTokens).stream(ask.prompt))),
  generate: async (proxyUrl, key, model, ask) => langchainResponsesReport(langchainOpenAI(proxyUrl, key, model, ask.maxTokens).invoke(ask.prompt)),
};

function langchainOpenAI(proxyUrl: string, key: string, model: string, maxTokens?: number) {
  return new ChatOpenAI({ model, apiKey: key, useResponsesApi: true, configuration: { baseURL: `${proxyUrl}/v1` }, maxRetries: 0, maxTokens, streamUsage: true });
}

async function langchainResponsesReport(message: Promise<AIMessage | AIMessageChunk>): Promise<Reported> {
  const m = await message;
  const u = m.usage_metadata;
  const meta = m.response_metadata as { status?: string; incomplete_details?: { reason?: string } | null };
  const finish = meta.incomplete_details?.reason ? `${meta.status}: ${meta.incomplete_details.reason}` : meta.status;
  return { text: text(m), usage: { input: u?.input_tokens, output: u?.output_tokens }, finish };
}

/**
 * LangChain's tool loop on the Responses API: the model (tools bound) answers with a call, the caller
 * adds a ToolMessage with the output, and the model answers again. LangChain sends its earlier answer
 * back as the output items it got (reasoning, message, function_call), ids and all.
 */
export async function langchainResponsesToolRoundTrip(
  proxyUrl: string,
  key: string,
  model: string,
  o: { prompt: string; stream: boolean; output: string },
): Promise<{ calls: { id?: string; name: string; args: unknown }[]; reasoning: string; text: string }> {
  const llm = langchainOpenAI(proxyUrl, key, model).bindTools([{ type: "function", function: WEATHER }]);
  const ask = async (messages: BaseMessage[]) => (o.stream ? langchainFold(await llm.stream(messages)) : llm.invoke(messages));
  const messages: BaseMessage[] = [new HumanMessage(o.prompt)];
  const first = await ask(messages);
  messages.push(first, ...first.tool_calls!.map((c) => new ToolMessage({ content: o.output, tool_call_id: c.id! })));
  const last = await ask(messages);
  const reasoning = Array.isArray(first.content) ? first.content.map((p) => (p.type === "reasoning" ? p.reasoning : "")).join("") : "";
  return { calls: first.tool_calls!.map(({ id, name, args }) => ({ id, name, args })), reasoning, text: text(last) };
}

/**
 * One AI SDK model, streamed: the text as it comes, then the usage and finish reason it settles on.
 * A chunk the SDK could not parse becomes an error part and the stream goes on; such a part fails here.
 */
async function aiSdk(model: Parameters<typeof streamText>[0]["model"], ask: Ask): Promise<Reported> {
  const errors: unknown[] = [];
  const r = streamText({ model, prompt: ask.prompt, maxOutputTokens: ask.maxTokens, maxRetries: 0, onError: ({ error }) => void errors.push(error) });
  let out = "";
  for await (const t of r.textStream) out += t;
  if (errors.length) throw errors[0];
  const usage = await r.usage;
  return { text: out, usage: { input: usage.inputTokens, output: usage.outputTokens }, finish: await r.finishReason };
}

const AI_SDK_FINISHES = { end: "stop", max_tokens: "length" };

const aiSdkAnthropic: LibraryDriver = {
  name: "AI SDK @ai-sdk/anthropic",
  protocol: "claude",
  finishes: AI_SDK_FINISHES,
  stream: (proxyUrl, key, model, ask) => aiSdk(createAnthropic({ baseURL: `${proxyUrl}/v1`, apiKey: key })(model), ask),
};

const aiSdkGoogle: LibraryDriver = {
  name: "AI SDK @ai-sdk/google",
  protocol: "gemini",
  finishes: AI_SDK_FINISHES,
  stream: (proxyUrl, key, model, ask) => aiSdk(createGoogleGenerativeAI({ baseURL: `${proxyUrl}/v1beta`, apiKey: key })(model), ask),
};

const aiSdkOpenAIChat: LibraryDriver = {
  name: "AI SDK @ai-sdk/openai .chat()",
  protocol: "openai",
  finishes: AI_SDK_FINISHES,
  stream: (proxyUrl, key, model, ask) => aiSdk(createOpenAI({ baseURL: `${proxyUrl}/v1`, apiKey: key }).chat(model), ask),
};

/** The provider's default model: `createOpenAI(...)(model)` calls POST /v1/responses. */
const openAIResponses = (proxyUrl: string, key: string, model: string) => createOpenAI({ baseURL: `${proxyUrl}/v1`, apiKey: key })(model);

const aiSdkOpenAIResponses: LibraryDriver = {
  name: "AI SDK @ai-sdk/openai (Responses)",
  protocol: "responses",
  finishes: AI_SDK_FINISHES,
  stream: (proxyUrl, key, model, ask) => aiSdk(openAIResponses(proxyUrl, key, model), ask),
  async generate(proxyUrl, key, model, ask) {
    const r = await generateText({ model: openAIResponses(proxyUrl, key, model), prompt: ask.prompt, maxOutputTokens: ask.maxTokens, maxRetries: 0 });
    return { text: r.text, usage: { input: r.usage.inputTokens, output: r.usage.outputTokens }, finish: r.finishReason };
  },
};

export interface ToolRoundTrip {
  /** The text of every step: any before the call, then the answer after its output went back */
  text: string;
  /** The finish reason of each step, as the SDK reports it */
  finishes: string[];
  /** What the SDK passed to the tool's execute */
  executed: unknown[];
}

/**
 * The AI SDK's default OpenAI model with one tool made by its `tool()`: the upstream calls it, the SDK
 * runs it, and a second step sends the call's output back and gets the final text. `store: false`
 * is the SDK's provider option; left out, the SDK assumes stored responses and sends earlier output
 * text back as an `item_reference` to its item id.
 */
export async function aiSdkResponsesToolRoundTrip(
  proxyUrl: string,
  key: string,
  model: string,
  o: { prompt: string; stream: boolean; output: string; store?: false },
): Promise<ToolRoundTrip> {
  const executed: unknown[] = [];
  const tools = {
    [WEATHER.name]: tool({
      description: WEATHER.description,
      inputSchema: jsonSchema<{ city: string }>(WEATHER.parameters),
      execute: async (input: { city: string }) => {
        executed.push(input);
        return o.output;
      },
    }),
  };
  const call = {
    model: openAIResponses(proxyUrl, key, model),
    prompt: o.prompt,
    tools,
    stopWhen: stepCountIs(2),
    maxRetries: 0,
    ...(o.store === false ? { providerOptions: { openai: { store: false } } } : {}),
  };
  if (!o.stream) {
    const r = await generateText(call);
    // generateText's `text` is the last step's; the stream's text is every step's.
    return { text: r.steps.map((s) => s.text).join(""), finishes: r.steps.map((s) => s.finishReason), executed };
  }
  const errors: unknown[] = [];
  const r = streamText({ ...call, onError: ({ error }) => void errors.push(error) });
  let text = "";
  for await (const t of r.textStream) text += t;
  if (errors.length) throw errors[0];
  return { text, finishes: (await r.steps).map((s) => s.finishReason), executed };
}

export const libraries: LibraryDriver[] = [
  langchainAnthropic,
  langchainGoogle,
  langchainOpenAIResponses,
  aiSdkAnthropic,
  aiSdkGoogle,
  aiSdkOpenAIChat,
  aiSdkOpenAIResponses,
];
