// The config file's shape, declared once: TypeBox gives both the validator and the static types.
// Objects are closed (additionalProperties: false) so that a misspelt key is an error, not a silent no-op.
import { Type, type Static } from "@sinclair/typebox";
import { ShapeSchema, type Shaper } from "./shape.ts";

const closed = { additionalProperties: false } as const;

/** A protocol's name: the registry (src/protocols/) says which exist, and the loader checks against it */
export type Protocol = string;

export const TOOL_COMPAT = ["native", "compat", "auto"] as const;
export type ToolCompat = (typeof TOOL_COMPAT)[number];

export const LimitsSchema = Type.Object(
  {
    attempts: Type.Optional(Type.Integer({ minimum: 1 })),
    connectTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    firstByteTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    idleTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    maxBodyBytes: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  closed,
);
export type Limits = Static<typeof LimitsSchema>;

export const DEFAULT_LIMITS: Required<Limits> = {
  attempts: 3,
  connectTimeoutMs: 10_000,
  firstByteTimeoutMs: 120_000,
  idleTimeoutMs: 120_000,
  maxBodyBytes: 33_554_432,
};

export const DEFAULT_LISTEN = "127.0.0.1:11435";
export const DEFAULT_LOG_PATH = "~/.local/share/ccproxy/log.db";

export const LoggingSchema = Type.Object(
  {
    /** false turns the request log off */
    enabled: Type.Optional(Type.Boolean()),
    path: Type.Optional(Type.String({ minLength: 1 })),
    bodies: Type.Optional(Type.Boolean()),
    maxRows: Type.Optional(Type.Integer({ minimum: 1 })),
    maxDays: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  closed,
);
export type Logging = Static<typeof LoggingSchema>;

/** GET /metrics and the figures behind it: on unless `enabled: false` */
export const MetricsSchema = Type.Object({ enabled: Type.Optional(Type.Boolean()) }, closed);

/** What the console prints per request (see src/cli/lines.ts): every request, failures only, or nothing */
export const CONSOLE_LEVELS = ["requests", "errors", "off"] as const;
export type ConsoleLevel = (typeof CONSOLE_LEVELS)[number];

export const ConsoleSchema = Type.Object(
  { level: Type.Optional(Type.Union(CONSOLE_LEVELS.map((l) => Type.Literal(l)))) },
  closed,
);

/** Replicas share pair health through a Redis (or Valkey) at `url`, under keys and a channel named from `prefix` */
export const RedisSchema = Type.Object(
  {
    url: Type.String({ minLength: 1 }),
    prefix: Type.Optional(Type.String({ minLength: 1 })),
  },
  closed,
);

export const DEFAULT_REDIS_PREFIX = "ccproxy";

export const ProviderSchema = Type.Object(
  {
    protocol: Type.String({ minLength: 1 }),
    baseUrl: Type.String({ minLength: 1 }),
    keys: Type.Optional(Type.Array(Type.String())),
    limits: Type.Optional(LimitsSchema),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    /** The most output tokens the provider's models take: larger requests (Claude Code asks 128000) are capped */
    maxTokens: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  closed,
);
export type Provider = Static<typeof ProviderSchema>;

/** The efforts a `thinking` rule may ask for, least first */
export const THINKING_LEVELS = ["minimal", "low", "medium", "high", "xhigh", "max"] as const;
/** The budget (tokens) from which a stated budget counts as each level, for levels above minimal */
export const THINKING_BUDGETS = { low: 1024, medium: 8192, high: 24576 } as const;

/** A level's rank, least first from 1 (minimal) to 6 (max); 0 for anything no level names (`true`, an unknown effort) */
export function thinkingRank(level: unknown): number {
  return typeof level === "string" ? THINKING_LEVELS.indexOf(level.toLowerCase() as (typeof THINKING_LEVELS)[number]) + 1 : 0;
}

/**
 * One `when` rule: the traits a request must all have, and the model entry (`use`) whose targets it
 * then goes to. Rules are tried in order; the first whose traits all hold wins.
 */
export const RuleSchema = Type.Object(
  {
    /** A background call: its model name matches this glob (true: Claude Code's small-fast models, `*haiku*`) */
    background: Type.Optional(Type.Union([Type.Boolean(), Type.String({ minLength: 1 })])),
    /**
     * Thinking or reasoning asked for in any form (true), not asked for (false), or asked for at
     * this effort or more (a budget counts by THINKING_BUDGETS; a level left to the model, none)
     */
    thinking: Type.Optional(
      Type.Union([Type.Boolean(), ...THINKING_LEVELS.map((l) => Type.Literal(l))], { expected: `true, false or one of ${THINKING_LEVELS.join(", ")}` }),
    ),
    /** Estimated input tokens above this many */
    longContext: Type.Optional(Type.Integer({ minimum: 0 })),
    images: Type.Optional(Type.Boolean()),
    /** Any tools (true), none (false), or one of these tool names (globs) */
    tools: Type.Optional(Type.Union([Type.Boolean(), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })])),
    /** A hosted web-search tool present (Claude web_search_*, Responses web_search, Gemini googleSearch) */
    webSearch: Type.Optional(Type.Boolean()),
    /** Request headers (names in any case) whose values match these globs */
    header: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String())),
    use: Type.String({ minLength: 1 }),
  },
  closed,
);
export type Rule = Static<typeof RuleSchema>;

/** The traits a rule may name, in the order they are cheapest to test */
export const RULE_TRAITS = ["background", "header", "thinking", "tools", "webSearch", "images", "longContext"] as const;
export const DEFAULT_BACKGROUND = "*haiku*";

export const ModelEntrySchema = Type.Object(
  {
    /** "provider/model"; a model of "*" stands for the name the client asked for. A weight repeats a target's turn. */
    targets: Type.Array(
      Type.Union([
        Type.String({ minLength: 1 }),
        Type.Object({ target: Type.String({ minLength: 1 }), weight: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }, closed),
      ]),
      { minItems: 1 },
    ),
    toolCompat: Type.Optional(Type.Union([Type.Literal("native"), Type.Literal("compat"), Type.Literal("auto")])),
    /** How requests are reshaped on their way to this entry's targets, on top of the group's (src/config/shape.ts) */
    shape: Type.Optional(ShapeSchema),
    /** Rules sending requests with certain traits to another entry's targets; the first that matches wins */
    when: Type.Optional(Type.Array(RuleSchema)),
  },
  closed,
);
export type ModelEntry = Static<typeof ModelEntrySchema>;

export const GroupSchema = Type.Object(
  {
    accessKeys: Type.Optional(Type.Array(Type.String())),
    models: Type.Record(Type.String(), ModelEntrySchema),
    /** Shaping for every model of the group; an entry's own `shape` applies after it */
    shape: Type.Optional(ShapeSchema),
  },
  closed,
);
export type Group = Static<typeof GroupSchema>;

export const ConfigSchema = Type.Object(
  {
    listen: Type.Optional(Type.String({ minLength: 1 })),
    accessKeys: Type.Optional(Type.Array(Type.String())),
    logging: Type.Optional(LoggingSchema),
    console: Type.Optional(ConsoleSchema),
    metrics: Type.Optional(MetricsSchema),
    limits: Type.Optional(LimitsSchema),
    mappings: Type.Optional(Type.String({ minLength: 1 })),
    providers: Type.Record(Type.String(), ProviderSchema),
    models: Type.Optional(Type.Record(Type.String(), ModelEntrySchema)),
    groups: Type.Optional(Type.Record(Type.String(), GroupSchema)),
    /** false: clients may name only the models the config routes, not any `provider/model` (groups never may) */
    directModels: Type.Optional(Type.Boolean()),
    /** Web origins (`https://chat.example.com`) whose pages may call the proxy from a browser; loopback pages always may */
    allowedOrigins: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    redis: Type.Optional(RedisSchema),
  },
  closed,
);
export type Config = Static<typeof ConfigSchema>;

// ---- the resolved form: defaults applied, paths expanded, globs compiled once at start-up ----

export interface Target {
  provider: string;
  /** "*" means: the model name the client asked for */
  model: string;
  /** How many turns of the rotation this target takes (default 1) */
  weight?: number;
}

export interface ModelRoute {
  pattern: string;
  match: RegExp;
  targets: Target[];
  toolCompat: ToolCompat;
  /** The group's and the entry's shaping, compiled; absent when there is none */
  shape?: Shaper;
  /** The entry's `when` rules, compiled (src/config/rules.ts); absent when it has none */
  pick?: RulePick;
  /** The labels its rules can give (`<pattern>#<n>`), for metrics labels bounded by the config */
  rules?: string[];
}

/** What a rule looks at: the decoded request, the call's headers and body, and a lazy input-token estimate */
export interface RuleInput {
  model: string;
  /** -1 not asked for; 0 asked, its effort left to the model; else its level's thinkingRank */
  thinking: number;
  images: () => boolean;
  tools: readonly { name: string }[];
  webSearch: () => boolean;
  headers: Headers;
  inputTokens: () => number;
}

/** The rule that matched: its label and the scope (one route: the `use` entry's targets) to plan in */
export interface RuleHit {
  label: string;
  scope: readonly ModelRoute[];
}
export type RulePick = (x: RuleInput) => RuleHit | undefined;

export interface ResolvedProvider {
  name: string;
  protocol: Protocol;
  /** Scheme, host and path, without credentials, query or a trailing slash */
  baseUrl: string;
  /** The baseUrl's own query (Azure's `api-version=…`), appended to every call; "" when none */
  query: string;
  /** The baseUrl as shown to people: credentials in it replaced */
  shownUrl: string;
  keys: string[];
  /** Credentials the baseUrl held (user:password, credential query values): redacted like keys */
  secrets: string[];
  limits: Required<Limits>;
  headers: Record<string, string>;
  maxTokens?: number;
}

export interface ResolvedGroup {
  name: string;
  accessKeys: string[];
  models: ModelRoute[];
}

export interface ResolvedConfig {
  /** the file it came from; undefined for the built-in default */
  file?: string;
  listen: { host: string; port: number };
  accessKeys: string[];
  logging: { enabled: boolean; path: string; bodies: boolean; maxRows?: number; maxDays?: number };
  console: { level: ConsoleLevel };
  metrics: { enabled: boolean };
  limits: Required<Limits>;
  mappings?: string;
  providers: Record<string, ResolvedProvider>;
  models: ModelRoute[];
  groups: Record<string, ResolvedGroup>;
  /** Whether a root client may name any `provider/model` directly */
  directModels: boolean;
  /** Browser origins allowed besides loopback pages, as `scheme://host[:port]` */
  allowedOrigins: string[];
  /** Where replicas share pair health; absent: each replica keeps its own */
  redis?: {
    url: string;
    prefix: string;
    /** The url as shown to people: a password in it replaced */
    shownUrl: string;
    /** A password the url holds: redacted like keys */
    secrets: string[];
  };
}
