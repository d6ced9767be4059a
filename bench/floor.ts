// The floor: the smallest hand-written Bun converter for exactly the bench's requests — Claude
// client → OpenAI upstream, OpenAI → OpenAI (pass-through), OpenAI client → Claude upstream
// (models named gpt-*), Responses API client → OpenAI upstream, Gemini client → OpenAI upstream and
// Ollama client → OpenAI upstream, plain and streamed, and OpenAI embeddings → Gemini's
// :batchEmbedContents. No mappings, no router, no log: what any proxy must at least cost.
// Usage: bun bench/floor.ts PORT UPSTREAM_URL
const port = Number(process.argv[2] ?? 0);
const upstream = process.argv[3] ?? "http://127.0.0.1:11400";
const enc = new TextEncoder();
const dec = () => new TextDecoder();
const SSE = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };
const JSON_HEADERS = { "content-type": "application/json" };

type Msg = { role: string; content: string | { type: string; text?: string }[] };
const text = (c: Msg["content"]) => (typeof c === "string" ? c : c.map((p) => p.text ?? "").join(""));

const post = (path: string, body: string, headers: Record<string, string>) =>
  fetch(upstream + path, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

/** Splits an SSE byte stream into data payloads and maps each through `each`, chunk by chunk. */
function sseMap(res: Response, each: (data: string) => string): Response {
  const reader = res.body!.getReader();
  const d = dec();
  let rest = "";
  const body = new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      for (;;) {
        const r = await reader.read();
        if (r.done) return ctrl.close();
        const frames = (rest + d.decode(r.value, { stream: true })).split("\n\n");
        rest = frames.pop()!;
        let out = "";
        for (const f of frames) {
          const i = f.indexOf("data: ");
          if (i >= 0) out += each(f.slice(i + 6));
        }
        if (out) return ctrl.enqueue(enc.encode(out));
      }
    },
    cancel: () => reader.cancel(),
  });
  return new Response(body, { headers: SSE });
}

const claudeEvent = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const STOP_TO_CLAUDE: Record<string, string> = { stop: "end_turn", length: "max_tokens", tool_calls: "tool_use" };
const STOP_TO_OPENAI: Record<string, string> = { end_turn: "stop", max_tokens: "length", tool_use: "tool_calls", stop_sequence: "stop" };

async function claudeToOpenAI(req: any): Promise<Response> {
  const body = {
    model: req.model,
    max_tokens: req.max_tokens,
    messages: [...(req.system ? [{ role: "system", content: text(req.system) }] : []), ...req.messages.map((m: Msg) => ({ role: m.role, content: text(m.content) }))],
    tools: req.tools?.map((t: any) => ({ type: "function", function: { name: t.name, description: t.description, parameters: t.input_schema } })),
    ...(req.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
  const res = await post("/v1/chat/completions", JSON.stringify(body), { authorization: "Bearer sk-floor" });
  if (!req.stream) {
    const o = (await res.json()) as any;
    const c = o.choices[0];
    return Response.json({
      id: o.id, type: "message", role: "assistant", model: req.model,
      content: [{ type: "text", text: c.message.content ?? "" }],
      stop_reason: STOP_TO_CLAUDE[c.finish_reason] ?? "end_turn", stop_sequence: null,
      usage: { input_tokens: o.usage?.prompt_tokens ?? 0, output_tokens: o.usage?.completion_tokens ?? 0 },
    });
  }
  let started = false;
  let stop = "end_turn";
  return sseMap(res, (data) => {
    if (data === "[DONE]") return "";
    const o = JSON.parse(data);
    let out = "";
    if (!started) {
      started = true;
      out += claudeEvent("message_start", { message: { id: o.id, type: "message", role: "assistant", model: req.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } } });
      out += claudeEvent("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
    }
    const c = o.choices?.[0];
    if (c?.delta?.content) out += claudeEvent("content_block_delta", { index: 0, delta: { type: "text_delta", text: c.delta.content } });
    if (c?.finish_reason) stop = STOP_TO_CLAUDE[c.finish_reason] ?? "end_turn";
    if (o.usage) {
      out += claudeEvent("content_block_stop", { index: 0 });
      out += claudeEvent("message_delta", { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: o.usage.completion_tokens } });
      out += claudeEvent("message_stop", {});
    }
    return out;
  });
}

async function openaiToClaude(req: any): Promise<Response> {
  const system = req.messages.filter((m: Msg) => m.role === "system").map((m: Msg) => text(m.content)).join("\n");
  const body = {
    model: req.model,
    max_tokens: req.max_tokens ?? 4096,
    ...(system ? { system } : {}),
    messages: req.messages.filter((m: Msg) => m.role !== "system").map((m: Msg) => ({ role: m.role, content: text(m.content) })),
    tools: req.tools?.map((t: any) => ({ name: t.function.name, description: t.function.description, input_schema: t.function.parameters })),
    ...(req.stream ? { stream: true } : {}),
  };
  const res = await post("/v1/messages", JSON.stringify(body), { "x-api-key": "sk-floor", "anthropic-version": "2023-06-01" });
  if (!req.stream) {
    const o = (await res.json()) as any;
    const content = o.content.filter((b: any) => b.type === "text").map((b: any) => b.text).join("");
    const u = o.usage;
    return Response.json({
      id: o.id, object: "chat.completion", created: Math.floor(Date.now() / 1000), model: req.model,
      choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: STOP_TO_OPENAI[o.stop_reason] ?? "stop" }],
      usage: { prompt_tokens: u.input_tokens, completion_tokens: u.output_tokens, total_tokens: u.input_tokens + u.output_tokens },
    });
  }
  let id = "";
  let input = 0;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: req.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  return sseMap(res, (data) => {
    const o = JSON.parse(data);
    switch (o.type) {
      case "message_start":
        id = o.message.id;
        input = o.message.usage?.input_tokens ?? 0;
        return chunk({ role: "assistant", content: "" });
      case "content_block_delta":
        return o.delta.type === "text_delta" ? chunk({ content: o.delta.text }) : "";
      case "message_delta": {
        const out = o.usage?.output_tokens ?? 0;
        const usage = { prompt_tokens: input, completion_tokens: out, total_tokens: input + out };
        return chunk({}, STOP_TO_OPENAI[o.delta.stop_reason] ?? "stop") + `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: req.model, choices: [], usage })}\n\n`;
      }
      case "message_stop":
        return "data: [DONE]\n\n";
      default:
        return "";
    }
  });
}

let responses = 0;

/** A Responses request of message items and function tools → chat completions; the answer as one
 *  message item, streamed as the Responses event grammar (numbered, the text restated when done). */
async function responsesToOpenAI(req: any): Promise<Response> {
  const body = {
    model: req.model,
    messages: [
      ...(req.instructions ? [{ role: "system", content: req.instructions }] : []),
      ...req.input.map((m: Msg) => ({ role: m.role === "developer" ? "system" : m.role, content: text(m.content) })),
    ],
    max_tokens: req.max_output_tokens,
    tools: req.tools?.map((t: any) => ({ type: "function", function: { name: t.name, description: t.description, parameters: t.parameters } })),
    tool_choice: req.tool_choice,
    parallel_tool_calls: req.parallel_tool_calls,
    stream: !!req.stream,
    ...(req.stream ? { stream_options: { include_usage: true } } : {}),
  };
  const res = await post("/v1/chat/completions", JSON.stringify(body), { authorization: "Bearer sk-floor" });
  const n = ++responses;
  const created_at = Math.floor(Date.now() / 1000);
  const response = (status: string, output: object[], u: any) => ({
    id: `resp_${n}`, object: "response", created_at, status, model: req.model, output,
    usage: u ? { input_tokens: u.prompt_tokens, output_tokens: u.completion_tokens, total_tokens: u.total_tokens } : null,
  });
  const part = (text: string) => ({ type: "output_text", text, annotations: [] });
  const message = (status: string, text?: string) => ({ id: `msg_${n}`, type: "message", status, role: "assistant", content: text === undefined ? [] : [part(text)] });
  if (!req.stream) {
    const o = (await res.json()) as any;
    return Response.json(response("completed", [message("completed", o.choices[0].message.content ?? "")], o.usage));
  }
  let seq = 0;
  let all = "";
  const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`;
  const at = { item_id: `msg_${n}`, output_index: 0, content_index: 0 };
  return sseMap(res, (data) => {
    if (data === "[DONE]") return "";
    const o = JSON.parse(data);
    let out = "";
    if (seq === 0)
      out += ev("response.created", { response: response("in_progress", [], null) }) +
        ev("response.in_progress", { response: response("in_progress", [], null) }) +
        ev("response.output_item.added", { output_index: 0, item: message("in_progress") }) +
        ev("response.content_part.added", { ...at, part: part("") });
    const delta = o.choices?.[0]?.delta?.content;
    if (delta) {
      all += delta;
      out += ev("response.output_text.delta", { ...at, delta });
    }
    if (o.usage)
      out += ev("response.output_text.done", { ...at, text: all }) +
        ev("response.content_part.done", { ...at, part: part(all) }) +
        ev("response.output_item.done", { output_index: 0, item: message("completed", all) }) +
        ev("response.completed", { response: response("completed", [message("completed", all)], o.usage) });
    return out;
  });
}

const FINISH_TO_GEMINI: Record<string, string> = { stop: "STOP", length: "MAX_TOKENS", tool_calls: "STOP", content_filter: "SAFETY" };
const geminiUsage = (u: any) => u && { promptTokenCount: u.prompt_tokens, candidatesTokenCount: u.completion_tokens, totalTokenCount: u.total_tokens };

/** Gemini generateContent (the model and streaming in the path) → chat completions; streamed as SSE
 *  chunks of candidates, the finish reason and usage on the last. */
async function geminiToOpenAI(model: string, stream: boolean, req: any): Promise<Response> {
  const body = {
    model,
    messages: [
      ...(req.systemInstruction ? [{ role: "system", content: text(req.systemInstruction.parts) }] : []),
      ...req.contents.map((c: any) => ({ role: c.role === "model" ? "assistant" : "user", content: text(c.parts) })),
    ],
    max_tokens: req.generationConfig?.maxOutputTokens,
    tools: req.tools?.flatMap((t: any) => t.functionDeclarations ?? []).map((f: any) => ({ type: "function", function: { name: f.name, description: f.description, parameters: f.parameters } })),
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
  const res = await post("/v1/chat/completions", JSON.stringify(body), { authorization: "Bearer sk-floor" });
  const candidate = (t: string, finish?: string) => ({ content: { role: "model", parts: [{ text: t }] }, ...(finish ? { finishReason: finish } : {}), index: 0 });
  if (!stream) {
    const o = (await res.json()) as any;
    const c = o.choices[0];
    return Response.json({ candidates: [candidate(c.message.content ?? "", FINISH_TO_GEMINI[c.finish_reason] ?? "STOP")], usageMetadata: geminiUsage(o.usage), modelVersion: model });
  }
  let finish = "STOP";
  return sseMap(res, (data) => {
    if (data === "[DONE]") return "";
    const o = JSON.parse(data);
    const c = o.choices?.[0];
    if (c?.finish_reason) finish = FINISH_TO_GEMINI[c.finish_reason] ?? "STOP";
    if (c?.delta?.content) return `data: ${JSON.stringify({ candidates: [candidate(c.delta.content)], modelVersion: model })}\r\n\r\n`;
    if (o.usage) return `data: ${JSON.stringify({ candidates: [candidate("", finish)], usageMetadata: geminiUsage(o.usage), modelVersion: model })}\r\n\r\n`;
    return "";
  });
}

/** Ollama /api/chat → chat completions; streamed as NDJSON, one object per delta, `done` on the last. */
async function ollamaToOpenAI(req: any): Promise<Response> {
  const stream = req.stream !== false;
  const body = {
    model: req.model,
    messages: req.messages.map((m: Msg) => ({ role: m.role, content: text(m.content) })),
    max_tokens: req.options?.num_predict,
    tools: req.tools,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
  const res = await post("/v1/chat/completions", JSON.stringify(body), { authorization: "Bearer sk-floor" });
  const done = (content: string, finish: string, u: any) => ({
    model: req.model, created_at: new Date().toISOString(), message: { role: "assistant", content }, done: true, done_reason: finish === "length" ? "length" : "stop",
    prompt_eval_count: u?.prompt_tokens ?? 0, eval_count: u?.completion_tokens ?? 0,
  });
  if (!stream) {
    const o = (await res.json()) as any;
    return Response.json(done(o.choices[0].message.content ?? "", o.choices[0].finish_reason, o.usage));
  }
  let finish = "stop";
  const lines = sseMap(res, (data) => {
    if (data === "[DONE]") return "";
    const o = JSON.parse(data);
    const c = o.choices?.[0];
    if (c?.finish_reason) finish = c.finish_reason;
    if (c?.delta?.content) return JSON.stringify({ model: req.model, created_at: new Date().toISOString(), message: { role: "assistant", content: c.delta.content }, done: false }) + "\n";
    if (o.usage) return JSON.stringify(done("", finish, o.usage)) + "\n";
    return "";
  });
  return new Response(lines.body, { headers: { "content-type": "application/x-ndjson" } });
}

/** OpenAI embeddings → Gemini :batchEmbedContents, one call for every input, floats back as floats. */
async function embeddingsToGemini(req: any): Promise<Response> {
  const inputs: string[] = typeof req.input === "string" ? [req.input] : req.input;
  const requests = inputs.map((t) => ({ model: `models/${req.model}`, content: { parts: [{ text: t }] } }));
  const res = await post(`/v1beta/models/${encodeURIComponent(req.model)}:batchEmbedContents`, JSON.stringify({ requests }), { "x-goog-api-key": "sk-floor" });
  const o = (await res.json()) as any;
  return Response.json({
    object: "list",
    data: o.embeddings.map((e: any, index: number) => ({ object: "embedding", index, embedding: e.values })),
    model: req.model,
    usage: { prompt_tokens: 0, total_tokens: 0 },
  });
}

async function passThrough(raw: string, stream: boolean): Promise<Response> {
  const res = await post("/v1/chat/completions", raw, { authorization: "Bearer sk-floor" });
  return new Response(res.body, { status: res.status, headers: stream ? SSE : JSON_HEADERS });
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port,
  idleTimeout: 0,
  async fetch(r) {
    const path = new URL(r.url).pathname;
    if (path === "/health") return new Response("ok");
    const raw = await r.text();
    const req = JSON.parse(raw);
    if (path === "/v1/messages") return claudeToOpenAI(req);
    if (path === "/v1/responses") return responsesToOpenAI(req);
    if (path === "/v1/chat/completions") return req.model.startsWith("gpt-") ? openaiToClaude(req) : passThrough(raw, !!req.stream);
    if (path === "/api/chat") return ollamaToOpenAI(req);
    if (path === "/v1/embeddings") return embeddingsToGemini(req);
    const gemini = /^\/v1beta\/models\/(.+):(generateContent|streamGenerateContent)$/.exec(path);
    if (gemini) return geminiToOpenAI(decodeURIComponent(gemini[1]!), gemini[2] === "streamGenerateContent", req);
    return new Response("not found", { status: 404 });
  },
});
console.log(`floor listening on http://127.0.0.1:${server.port}`);
