// Client libraries nobody here wrote, driven through the proxy as their users drive them: LangChain JS
// (ChatAnthropic, ChatGoogleGenerativeAI) and the AI SDK (@ai-sdk/anthropic, @ai-sdk/google, and
// @ai-sdk/openai in its chat-completions mode). Each streams one prompt and reports what the library
// itself reports: the text, the usage and the finish reason, in the library's own words.
import { ChatAnthropic } from "@langchain/anthropic";
import { ChatGoogleGenerativeAI } from "@langchain/google-genai";
import type { AIMessageChunk } from "@langchain/core/messages";
import { streamText } from "ai";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createGoogleGenerativeAI } from "@ai-sdk/google";
import { createOpenAI } from "@ai-sdk/openai";
import type { Protocol } from "../types.ts";

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
}

/** Folds LangChain's streamed chunks as `concat` does, into one message. */
async function langchainFold(chunks: AsyncIterable<AIMessageChunk>): Promise<AIMessageChunk> {
  let all: AIMessageChunk | undefined;
  for await (const c of chunks) all = all ? all.concat(c) : c;
  if (!all) throw new Error("the stream gave no chunk");
  return all;
}

const text = (m: AIMessageChunk) => (typeof m.content === "string" ? m.content : m.content.map((p) => ("text" in p ? p.text : "")).join(""));

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

/** One AI SDK model, streamed: the text as it comes, then the usage and finish reason it settles on. */
async function aiSdk(model: Parameters<typeof streamText>[0]["model"], ask: Ask): Promise<Reported> {
  const r = streamText({ model, prompt: ask.prompt, maxOutputTokens: ask.maxTokens, maxRetries: 0, onError: () => {} });
  let out = "";
  for await (const t of r.textStream) out += t;
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

export const libraries: LibraryDriver[] = [langchainAnthropic, langchainGoogle, aiSdkAnthropic, aiSdkGoogle, aiSdkOpenAIChat];
