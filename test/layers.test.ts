// The layering DESIGN.md draws, checked on the source: each layer imports only the layers below it,
// and no module reaches itself through its imports (type-only imports count: they tie the reading).
import { test, expect } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const SRC = join(import.meta.dir, "..", "src");

/** Higher imports lower; siblings of one rank may import each other (the cycle test keeps that one-way). */
const RANK: Record<string, number> = { main: 6, cli: 5, server: 4, convert: 3, router: 2, protocols: 2, compat: 2, mapping: 1, unified: 0, config: 0, log: 0, metrics: 0 };

function modules(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const files = readdirSync(SRC, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
  for (const f of files) {
    const text = readFileSync(join(SRC, f), "utf8");
    const deps = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+"(\.{1,2}\/[^"]+)"/gms)].map((m) => relative(SRC, resolve(dirname(join(SRC, f)), m[1]!)));
    graph.set(f, deps);
  }
  return graph;
}

const layerOf = (file: string) => (file.includes("/") ? file.split("/")[0]! : file.replace(/\.ts$/, ""));

test("no import cycle in src/", () => {
  const graph = modules();
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, "open");
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === "open") cycles.push([...stack.slice(stack.indexOf(d)), d].join(" → "));
      else if (!state.has(d) && graph.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  expect(graph.size).toBeGreaterThan(50);
  expect(cycles).toEqual([]);
});

test("each layer imports only its own and the layers below it", () => {
  const wrong: string[] = [];
  for (const [f, deps] of modules()) {
    const from = layerOf(f);
    for (const d of deps) {
      if (d.startsWith("..")) continue; // outside src/: the mappings the binary embeds
      const to = layerOf(d);
      if (RANK[from] === undefined || RANK[to] === undefined) wrong.push(`${f}: unknown layer (${from} → ${to})`);
      else if (RANK[to]! > RANK[from]!) wrong.push(`${f} → ${d}`);
    }
  }
  expect(wrong).toEqual([]);
});
