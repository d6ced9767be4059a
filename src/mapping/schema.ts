// The mapping DSL, declared with TypeBox: the shape of each directive and of each kind of spec file.
// Templates nest, so template-valued fields are `Unknown` here and checked when the compiler recurses.
import { Type, type TSchema } from "@sinclair/typebox";

const T = Type.Unknown();
const Name = Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" });

/** Each directive is an object recognised by its first key; the rest of its keys are fixed. */
export const Directives: Record<string, TSchema> = {
  const: Type.Object({ const: T }, { additionalProperties: false }),
  each: Type.Object({ each: T, as: Type.Optional(T), where: Type.Optional(T) }, { additionalProperties: false }),
  when: Type.Object({ when: T, value: Type.Optional(T), else: Type.Optional(T) }, { additionalProperties: false }),
  unless: Type.Object({ unless: T, value: T, else: Type.Optional(T) }, { additionalProperties: false }),
  switch: Type.Object(
    { switch: T, cases: Type.Record(Type.String(), T), default: Type.Optional(T) },
    { additionalProperties: false },
  ),
  concat: Type.Object({ concat: Type.Array(T) }, { additionalProperties: false }),
  first: Type.Object({ first: Type.Array(T, { minItems: 1 }) }, { additionalProperties: false }),
  /** true when the two values are equal (see RUNTIME.eq in compile.ts), else false */
  eq: Type.Object({ eq: Type.Array(T, { minItems: 2, maxItems: 2 }) }, { additionalProperties: false }),
  call: Type.Object({ call: Name, from: Type.Optional(T), args: Type.Optional(T) }, { additionalProperties: false }),
  use: Type.Object({ use: Name, from: Type.Optional(T) }, { additionalProperties: false }),
  query: Type.Object({ query: Type.String({ pattern: "^\\$" }), from: Type.Optional(T) }, { additionalProperties: false }),
  from: Type.Object(
    {
      from: T,
      table: Type.Optional(Type.Record(Type.String(), T)),
      default: Type.Optional(T),
    },
    { additionalProperties: false },
  ),
};

/** Order matters: a directive is named by the first of these keys it has. */
export const DIRECTIVE_KEYS = Object.keys(Directives);

/** Top-level keys every spec file may have besides its template. */
const Common = {
  defs: Type.Optional(Type.Record(Name, T)),
  /** Shared def files of the same protocol (`<protocol>/<name>.defs.yaml`) */
  include: Type.Optional(Type.Array(Type.String({ pattern: "^[a-z][a-z0-9-]*$" }))),
};

/** request / response / error / models specs: the template is the file itself. */
export const ObjectSpec = Type.Object({
  ...Common,
  require: Type.Optional(Type.Record(Type.String(), Type.String())),
  /** Top-level fields a body must not carry, each with the reason its 400 gives (a feature not served) */
  refuse: Type.Optional(Type.Record(Type.String(), Type.String())),
});

export const Frame = Type.Union([Type.Literal("sse"), Type.Literal("ndjson"), Type.Literal("json")]);

/** stream specs: how chunks are framed on the wire, and the template run per chunk / per event. */
export const StreamSpec = Type.Object(
  {
    ...Common,
    frame: Frame,
    /** The data line that ends an SSE stream (OpenAI `[DONE]`) */
    done: Type.Optional(Type.String()),
    /** The encoding restates whole blocks: each block_stop carries its text, the stop every block */
    whole: Type.Optional(Type.Boolean()),
    events: T,
  },
  { additionalProperties: false },
);

/** The types a `require:` entry may name. */
export const REQUIRE_TYPES = ["string", "number", "boolean", "array", "object", "string|array", "any"] as const;
