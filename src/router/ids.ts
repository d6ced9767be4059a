// What names a pair and a key the same way on every replica: the provider's name, the upstream
// model, and a short hash of the key. Key labels (`oa#1`) name a position in one config's list;
// two replicas that list the keys in another order must still agree on which key is cooling.
import type { ResolvedProvider } from "../config/schema.ts";

/** A provider without keys: its one "key" */
export const NO_KEY = "none";

/** 48 bits of SHA-256: no collision among one provider's keys, and nothing a reader of Redis can use. */
export function keyHash(key: string | undefined): string {
  return key === undefined ? NO_KEY : new Bun.CryptoHasher("sha256").update(key).digest("hex").slice(0, 12);
}

const hashes = new WeakMap<ResolvedProvider, readonly string[]>();

/** Each of a provider's keys hashed once per config, in its list's order (one NO_KEY without keys). */
export function keyHashesOf(provider: ResolvedProvider): readonly string[] {
  let h = hashes.get(provider);
  if (!h) hashes.set(provider, (h = provider.keys.length ? provider.keys.map(keyHash) : [NO_KEY]));
  return h;
}

/** A (target × key) pair across replicas: `provider/model#hash` */
export const pairIdOf = (provider: string, model: string, hash: string) => `${provider}/${model}#${hash}`;

/** A key across replicas (what a refused key cools): `provider#hash` */
export const keyIdOf = (provider: string, hash: string) => `${provider}#${hash}`;
