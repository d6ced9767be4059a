// The conformance matrix, as data: neutral conversations and answers that every client driver can
// express through its official SDK and every upstream driver can speak in its exact wire format.
// A case runs for every (client, upstream) pair; both what the client got and what the upstream
// received are compared in these neutral terms.
import type { Received, Reply, Upstream } from "../support/upstream.ts";

export type Protocol = "openai" | "claude" | "gemini" | "ollama" | "responses";
export type Stop = "end" | "max_tokens" | "tool_use" | "stop_sequence" | "content_filter";

export interface ToolDef {
  name: string;
  description: string;
  /** JSON Schema of the arguments */
  parameters: Record<string, unknown>;
}

export interface ToolCall {
  /** Absent for protocols without call ids (Gemini, Ollama): the proxy makes them. */
  id?: string;
  name: string;
  input: Record<string, unknown>;
}

export interface ToolResult {
  /** The id of the call this answers (the client driver pairs it by name where its protocol has no ids). */
  id?: string;
  name: string;
  output: string;
}

export type Turn =
  | { role: "user"; text?: string; image?: { mediaType: string; data: string }; toolResults?: ToolResult[] }
  | { role: "assistant"; text?: string; thinking?: { text: string; signature?: string }; toolCalls?: ToolCall[] };

/** What a client asks, in neutral terms. */
export interface Conversation {
  system?: string;
  turns: Turn[];
  tools?: ToolDef[];
  toolChoice?: "auto" | "any" | "none" | { name: string };
  sampling?: { maxTokens?: number; temperature?: number; topP?: number; topK?: number; stop?: string[] };
  /** Ask for thinking (Claude `thinking`, OpenAI `reasoning_effort`, Gemini `thinkingConfig`, Ollama `think`) */
  thinking?: boolean;
  stream: boolean;
}

/** What the model answers, in neutral terms; pieces are how a stream splits them. */
export interface Answer {
  thinking?: { pieces: string[]; signature?: string };
  text?: string[];
  /** `args` are argument JSON fragments; protocols that send calls whole join them. */
  toolCalls?: { id: string; name: string; args: string[] }[];
  stop: Stop;
  usage: { input: number; output: number };
}

/** What the client got, normalised by its driver. */
export interface Observed {
  text: string;
  thinking?: { text: string; signature?: string };
  toolCalls: ToolCall[];
  stop: Stop;
  usage?: { input?: number; output?: number };
  /** How many deltas carrying answer text the client saw (1 for a plain response): proves no buffering */
  chunks: number;
}

/** What the upstream received, normalised by its driver. */
export interface Seen {
  model: string;
  stream: boolean;
  system?: string;
  turns: {
    role: "user" | "assistant";
    text: string;
    images: { mediaType?: string; data?: string }[];
    toolCalls: ToolCall[];
    toolResults: ToolResult[];
    thinking?: { text: string; signature?: string };
  }[];
  tools: ToolDef[];
  toolChoice?: Conversation["toolChoice"];
  sampling: { maxTokens?: number; temperature?: number; topP?: number; topK?: number; stop?: string[] };
}

/** An error as the client's SDK reported it. */
export interface ClientError {
  status: number;
  /** The protocol's own error type / status string (`invalid_request_error`, `INVALID_ARGUMENT`, …) */
  type?: string;
  message: string;
}

export interface ClientDriver {
  protocol: Protocol;
  /** Sends the conversation through the official SDK to the proxy; rejects with the SDK's error. */
  send(proxyUrl: string, key: string, model: string, c: Conversation): Promise<Observed>;
  /** Turns whatever `send` threw into a ClientError (fails the test when it is not the SDK's API error). */
  error(thrown: unknown): ClientError;
  /** The error type this protocol uses for a status (`400` → `invalid_request_error`, `INVALID_ARGUMENT`, …) */
  errorType(status: number): string | undefined;
  /** A raw HTTP request on this protocol's chat route, for inputs an SDK refuses to send (malformed JSON). */
  raw(proxyUrl: string, key: string, model: string, body: string): Promise<Response>;
  /** The request field this protocol requires that the driver can leave out, and a body without it. */
  missingField: { field: string; body: (model: string) => unknown };
}

export interface UpstreamDriver {
  protocol: Protocol;
  start(): Promise<Upstream>;
  /** The answer in this protocol's exact wire format, whole or streamed. */
  reply(a: Answer, stream: boolean): Reply;
  /** A stream that breaks after some content, without its protocol's final event. */
  cutStream(text: string[]): Reply;
  /** What the upstream received, in neutral terms. */
  seen(r: Received): Seen;
}
