// The stream block state machine, written once for every protocol: loose decoded events in,
// the strict unified grammar out (start → blocks with start/deltas/stop, keyed by index → stop).
// State lives in the closure of one request.
import { statusForKind } from "./errors.ts";
import type { BlockStop, DecodedEvent, StopReason, StreamEvent, Usage, UnifiedError } from "../unified/index.ts";
import { randomId } from "../mapping/functions.ts";

interface Tool {
  slot: number | string;
  id: string;
  name: string;
  json: string;
  signature?: string;
  /** Block index once it has been started on the output */
  index?: number;
  toolIndex?: number;
  closed?: boolean;
}

interface OpenBlock {
  kind: "text" | "thinking" | "tool_call";
  index: number;
  tool?: Tool;
  signature?: string;
  /** The text so far, kept only for a whole encoding */
  text?: string;
}

export interface Normalizer {
  push(e: DecodedEvent): void;
  /** The upstream ended; `complete` says whether it ended with its protocol's final event. */
  finish(complete: boolean): void;
  fail(error: UnifiedError): void;
  readonly done: boolean;
  readonly sawStop: boolean;
}

/**
 * `whole`: the client's encoding restates the answer at its end (the Responses API's final response
 * object), so block stops carry their text and the stop (or error) every finished block.
 */
export function createNormalizer(emit: (e: StreamEvent) => void, fallback: { model: string; whole?: boolean }): Normalizer {
  const blocks: BlockStop[] | undefined = fallback.whole ? [] : undefined;
  let started = false;
  let done = false;
  let nextIndex = 0;
  let nextTool = 0;
  let open: OpenBlock | undefined;
  let interleaved = false; // the open tool got a fragment after another call had begun
  const tools = new Map<number | string, Tool>();
  const pending: Tool[] = []; // calls begun while another call is open, in order of arrival
  const usage: Usage = {};
  let reason: StopReason | undefined;
  let stopSequence: string | undefined;
  let sawStop = false;
  let sawTool = false;

  function start(id?: string, model?: string) {
    if (started) return;
    started = true;
    emit({ type: "start", id: id ?? `msg_${randomId()}`, model: model ?? fallback.model, usage: { ...usage } });
  }

  function close() {
    if (!open) return;
    const e = stopOf(open);
    open = undefined;
    blocks?.push(e);
    emit(e);
  }

  /** The stop of a block, with all it holds so far. */
  function stopOf(o: OpenBlock): BlockStop {
    if (o.tool) {
      o.tool.closed = true;
      const e: BlockStop = {
        type: "block_stop", index: o.index, kind: "tool_call", id: o.tool.id, name: o.tool.name,
        toolIndex: o.tool.toolIndex, input: parseArgs(o.tool.json), signature: o.tool.signature,
      };
      if (blocks) e.text = o.tool.json; // the arguments as the model wrote them
      return e;
    }
    const e: BlockStop = { type: "block_stop", index: o.index, kind: o.kind, signature: o.signature };
    if (o.text !== undefined) e.text = o.text;
    return e;
  }

  /** A fragment of a call's arguments; a whole encoding also hears whose (a free-form tool's go out whole). */
  function toolDelta(t: Tool, json: string): StreamEvent {
    return blocks ? { type: "tool_delta", index: t.index!, toolIndex: t.toolIndex!, json, name: t.name } : { type: "tool_delta", index: t.index!, toolIndex: t.toolIndex!, json };
  }

  function openTool(t: Tool) {
    close();
    t.index = nextIndex++;
    t.toolIndex = nextTool++;
    sawTool = true;
    open = { kind: "tool_call", index: t.index, tool: t };
    interleaved = false;
    emit({ type: "block_start", index: t.index, kind: "tool_call", id: t.id, name: t.name, toolIndex: t.toolIndex });
    if (t.json) emit(toolDelta(t, t.json));
  }

  /** Closes the open block, then plays every call that waited behind it. */
  function settle() {
    close();
    while (pending.length) {
      openTool(pending.shift()!);
      close();
    }
  }

  function openBlock(kind: "text" | "thinking", redacted?: string) {
    settle();
    const index = nextIndex++;
    open = { kind, index, text: blocks && !redacted ? "" : undefined };
    emit({ type: "block_start", index, kind, redacted });
  }

  function tool(e: Extract<DecodedEvent, { type: "tool" }>) {
    const slot = e.slot ?? (e.input !== undefined || e.name ? `auto${tools.size}` : open?.tool?.slot ?? `auto${tools.size}`);
    let t = tools.get(slot);
    if (!t) {
      t = { slot, id: e.id || `call_${randomId()}`, name: e.name ?? "", json: "", signature: e.signature };
      tools.set(slot, t);
      if (e.input !== undefined) {
        // A call sent whole: one block with the whole arguments.
        t.json = JSON.stringify(e.input);
        settle();
        openTool(t);
        close();
        return;
      }
      if (e.json) t.json = e.json;
      if (open?.tool) pending.push(t);
      else openTool(t);
      return;
    }
    if (e.name && !t.name) t.name = e.name;
    if (e.signature) t.signature = e.signature;
    if (!e.json) return;
    if (open?.tool === t) {
      t.json += e.json;
      if (pending.length) interleaved = true;
      emit(toolDelta(t, e.json));
    } else if (!t.closed) {
      t.json += e.json;
      // The first waiting call speaks again: the open one is finished (calls come one after another).
      if (pending[0] === t && !interleaved) {
        close();
        openTool(pending.shift()!);
      }
    } else {
      // A fragment for a call already closed: keep the data, on its own index.
      t.json += e.json;
      emit(toolDelta(t, e.json));
    }
  }

  function thinking(e: Extract<DecodedEvent, { type: "thinking" }>) {
    if (e.redacted) {
      openBlock("thinking", e.redacted);
      close();
      return;
    }
    if (e.text) {
      if (open?.kind !== "thinking") openBlock("thinking");
      if (blocks) open!.text += e.text;
      emit({ type: "thinking_delta", index: open!.index, text: e.text });
    }
    if (e.signature) {
      if (open?.kind !== "thinking") openBlock("thinking");
      open!.signature = (open!.signature ?? "") + e.signature;
      emit({ type: "signature_delta", index: open!.index, signature: e.signature });
    }
  }

  return {
    get done() {
      return done;
    },
    get sawStop() {
      return sawStop;
    },
    push(e) {
      if (done) return;
      if (e.type === "start") {
        if (e.usage) mergeUsage(usage, e.usage);
        return start(e.id, e.model);
      }
      // A count before the start (Gemini's first chunk) goes out with it.
      if (e.type === "usage") return mergeUsage(usage, e.usage);
      start();
      switch (e.type) {
        case "text":
          if (!e.text) return;
          if (open?.kind !== "text") openBlock("text");
          if (blocks) open!.text += e.text;
          return emit({ type: "text_delta", index: open!.index, text: e.text });
        case "thinking":
          return thinking(e);
        case "tool":
          return tool(e);
        case "end":
          return open?.tool ? settle() : close();
        case "stop":
          sawStop = true;
          if (e.reason) reason = e.reason;
          if (e.stopSequence) stopSequence = e.stopSequence;
          return;
        case "error":
          return this.fail({ kind: e.kind ?? "api_error", message: e.message ?? "upstream error", status: e.status ?? statusForKind(e.kind) });
        default:
          return assertNever(e);
      }
    },
    finish(complete) {
      if (done) return;
      if (!complete) {
        this.fail({ kind: "api_error", status: 502, message: "upstream stream ended before its final event" });
        return;
      }
      start();
      settle();
      done = true;
      let r = reason ?? "end";
      if (sawTool && r === "end") r = "tool_use"; // protocols that stop with "stop" even after calls
      emit(blocks ? { type: "stop", reason: r, stopSequence, usage, blocks } : { type: "stop", reason: r, stopSequence, usage });
    },
    fail(error) {
      if (done) return;
      done = true;
      // The block the failure cut short is no finished block: a whole encoding restates it as
      // incomplete, and never closes it as done (Codex keeps a done item in its history, even when
      // it retries the request).
      if (blocks && open) blocks.push({ ...stopOf(open), incomplete: true });
      open = undefined;
      emit(blocks ? { type: "error", ...error, blocks } : { type: "error", ...error });
    },
  };
}

function mergeUsage(into: Usage, from: Usage) {
  for (const k of ["input", "output", "cacheRead", "cacheWrite", "reasoning"] as const)
    if (typeof from[k] === "number") into[k] = from[k];
}

function parseArgs(json: string): Record<string, unknown> {
  if (!json.trim()) return {};
  try {
    const v = JSON.parse(json);
    return v && typeof v === "object" && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected event ${JSON.stringify(x)}`);
}
