// Structured output and schemas across protocols: a JSON answer asked for in one protocol is asked
// for in the upstream's own terms, and Gemini's upper-case OpenAPI types become plain JSON Schema.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { GoogleGenAI, Type } from "@google/genai";
import OpenAI from "openai";
import { Ollama } from "ollama";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { openaiCompletion } from "./support/wire.ts";
import { geminiResponse } from "./support/wire-gemini.ts";

let oa: Upstream, gm: Upstream, proxy: Proxy;

beforeAll(async () => {
  [oa, gm] = await Promise.all([startUpstream("openai"), startUpstream("gemini")]);
  proxy = await startProxy({
    providers: { oa: { protocol: "openai", baseUrl: oa.url }, gm: { protocol: "gemini", baseUrl: gm.url, keys: ["g-key"] } },
    models: {},
  });
});
afterAll(async () => Promise.all([proxy.close(), oa.close(), gm.close()]));

const verdict = { type: "object", properties: { score: { type: "integer" }, why: { type: "string" } }, required: ["score"] };

test("Gemini responseJsonSchema with upper-case types reaches OpenAI as a json_schema response_format", async () => {
  oa.script({ json: openaiCompletion({ content: '{"score": 3}' }) });
  const genai = new GoogleGenAI({ apiKey: "x", httpOptions: { baseUrl: proxy.url } });
  const r = await genai.models.generateContent({
    model: "oa/gpt",
    contents: "rate it",
    config: {
      responseMimeType: "application/json",
      responseSchema: { type: Type.OBJECT, properties: { score: { type: Type.INTEGER }, why: { type: Type.STRING, nullable: true } }, required: ["score"] },
    },
  });
  expect(r.text).toBe('{"score": 3}');
  expect(oa.received.at(-1)!.body.response_format).toEqual({
    type: "json_schema",
    json_schema: {
      name: "response",
      schema: { type: "object", properties: { score: { type: "integer" }, why: { type: ["string", "null"] } }, required: ["score"] },
    },
  });
});

test("Gemini tool parameters with upper-case types reach OpenAI as plain JSON Schema", async () => {
  oa.script({ json: openaiCompletion({ content: "ok" }) });
  const genai = new GoogleGenAI({ apiKey: "x", httpOptions: { baseUrl: proxy.url } });
  await genai.models.generateContent({
    model: "oa/gpt",
    contents: "weather?",
    config: { tools: [{ functionDeclarations: [{ name: "w", parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } } } }] }] },
  });
  expect(oa.received.at(-1)!.body.tools[0].function.parameters).toEqual({ type: "object", properties: { city: { type: "string" } } });
});

test("an OpenAI json_schema response_format reaches Gemini as responseMimeType and responseJsonSchema", async () => {
  gm.script({ json: geminiResponse({ text: '{"score": 5}' }) });
  const r = await new OpenAI({ apiKey: "x", baseURL: `${proxy.url}/v1`, maxRetries: 0 }).chat.completions.create({
    model: "gm/gemini-x",
    messages: [{ role: "user", content: "rate it" }],
    response_format: { type: "json_schema", json_schema: { name: "verdict", schema: verdict } },
  });
  expect(r.choices[0]!.message.content).toBe('{"score": 5}');
  const config = gm.received.at(-1)!.body.generationConfig;
  expect(config.responseMimeType).toBe("application/json");
  expect(config.responseJsonSchema).toEqual(verdict);
});

test("an Ollama format schema reaches OpenAI as json_schema, and format json as json_object", async () => {
  const ollama = new Ollama({ host: proxy.url });
  oa.script({ json: openaiCompletion({ content: '{"score": 1}' }) }, { json: openaiCompletion({ content: "{}" }) });
  await ollama.chat({ model: "oa/gpt", messages: [{ role: "user", content: "rate" }], format: verdict, stream: false });
  expect(oa.received.at(-1)!.body.response_format).toEqual({ type: "json_schema", json_schema: { name: "response", schema: verdict } });
  await ollama.chat({ model: "oa/gpt", messages: [{ role: "user", content: "rate" }], format: "json", stream: false });
  expect(oa.received.at(-1)!.body.response_format).toEqual({ type: "json_object" });
});
