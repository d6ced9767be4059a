// GET /v1/models: the proxy models a client may name, in the caller's protocol shape.
import type { ModelRoute } from "../config/schema.ts";
import type { Engine } from "./pipeline.ts";
import type { ProtocolName } from "../mapping/load.ts";

const STARTED = Math.floor(Date.now() / 1000);

/** Concrete names only: a glob names no model, but each of its concrete targets does. */
export function modelNames(models: readonly ModelRoute[]): string[] {
  const names = new Set<string>();
  for (const m of models) {
    if (!/[*?]/.test(m.pattern)) names.add(m.pattern);
    for (const t of m.targets) if (t.model !== "*") names.add(`${t.provider}/${t.model}`);
  }
  return [...names];
}

export function listModels(engine: Engine, client: ProtocolName, models: readonly ModelRoute[]): Response {
  const names = modelNames(models);
  const list = {
    models: names.map((id) => ({
      id,
      created: STARTED,
      createdAt: new Date(STARTED * 1000).toISOString(),
      ownedBy: id.includes("/") ? id.split("/")[0] : "ccproxy",
    })),
    last: names[names.length - 1],
  };
  return Response.json(engine.mappings[client].spec["models.encode"].run(list, {}));
}
