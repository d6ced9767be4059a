// What a named function is to a mapping: it gets the field's value, the request context and the
// `args:` written beside it. The DSL's own set lives in builtins.ts; each protocol's escape hatches
// live beside their protocol and are registered the same way.
import { Type, type TSchema } from "@sinclair/typebox";

/** Per-request context: what mappings may read as `$ctx` and functions may keep state in. */
export interface MappingContext {
  /** The model name the client asked for */
  model?: string;
  /** Response / stream id, fixed for the whole request */
  id?: string;
  created?: number;
  /** In a stream: input tokens estimated from the upstream body's size, until the upstream counts them */
  inputEstimate?: number;
  [k: string]: unknown;
}

export interface MappingFunction {
  (value: any, ctx: MappingContext, args?: any): unknown;
  /** The `args:` it takes, checked when a mapping compiles, so a wrong one is a file:line error */
  args?: TSchema;
  /** Turns the checked `args:` into what every call receives (a pattern into a RegExp), once, at compile time */
  prepare?: (args: any) => unknown;
}

/** The `args:` of a function that takes none: a mapping that gives some is refused. */
export const NoArgs = Type.Undefined();

/** A function with the `args:` it takes (and, if it needs one, the compile-time preparation of them). */
export function withArgs<F extends (value: any, ctx: MappingContext, args?: any) => unknown>(
  args: TSchema,
  fn: F,
  prepare?: (args: any) => unknown,
): F & MappingFunction {
  return Object.assign(fn, { args, ...(prepare ? { prepare } : {}) });
}

/**
 * Thrown by a mapping function for input it cannot convert for its target (a tool schema Gemini
 * cannot take): the client's request is at fault, so it answers a 400; `value` is the part refused,
 * by which the answer names its field.
 */
export class Unconvertible extends Error {
  constructor(
    message: string,
    readonly value: unknown,
  ) {
    super(message);
  }
}

export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let s = "";
  for (const b of bytes) s += (b % 36).toString(36);
  return s + Date.now().toString(36);
}
