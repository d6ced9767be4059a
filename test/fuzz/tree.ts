// Walking a JSON body: every place a mutation may touch, and a slot to splice raw text into.
export interface Place {
  parent: Record<string, unknown> | unknown[];
  key: string | number;
  value: unknown;
  /** messages[1].content, for reports */
  path: string;
}

/** Every value in the body but the root, depth first. */
export function places(root: unknown): Place[] {
  const out: Place[] = [];
  const walk = (node: unknown, path: string) => {
    if (Array.isArray(node))
      node.forEach((value, i) => {
        out.push({ parent: node, key: i, value, path: `${path}[${i}]` });
        walk(value, `${path}[${i}]`);
      });
    else if (node !== null && typeof node === "object")
      for (const [k, value] of Object.entries(node)) {
        const p = path ? `${path}.${k}` : k;
        out.push({ parent: node as Record<string, unknown>, key: k, value, path: p });
        walk(value, p);
      }
  };
  walk(root, "");
  return out;
}

export function set(p: Place, value: unknown): void {
  (p.parent as Record<string | number, unknown>)[p.key] = value;
}

export function remove(p: Place): void {
  if (Array.isArray(p.parent)) p.parent.splice(p.key as number, 1);
  else delete p.parent[p.key as string];
}

const SLOT = "\u0001fuzz-slot\u0001";
const SLOT_JSON = JSON.stringify(SLOT);

/** The body's JSON with the value at `p` replaced by `raw`, which need not be JSON at all. */
export function splice(root: unknown, p: Place, raw: string): string {
  const before = p.value;
  set(p, SLOT);
  const text = JSON.stringify(root);
  set(p, before);
  const at = text.indexOf(SLOT_JSON);
  return text.slice(0, at) + raw + text.slice(at + SLOT_JSON.length);
}

export const clone = <T>(v: T): T => structuredClone(v);
