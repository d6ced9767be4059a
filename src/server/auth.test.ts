import { expect, test } from "bun:test";
import { allowed, presentedKey } from "./auth.ts";

test("access keys: any configured key opens, anything else does not, and no keys means open", () => {
  const keys = new Set(["alpha-key", "beta-key"]);
  expect(allowed(keys, "alpha-key")).toBe(true);
  expect(allowed(keys, "beta-key")).toBe(true);
  expect(allowed(keys, "alpha-ke")).toBe(false);
  expect(allowed(keys, "alpha-key ")).toBe(false);
  expect(allowed(keys, "")).toBe(false);
  expect(allowed(keys, undefined)).toBe(false);
  expect(allowed(new Set(), undefined)).toBe(true);
});

test("a key is taken from each protocol's own header", () => {
  const url = new URL("http://x/v1beta/models?key=from-query");
  const r = (h: Record<string, string>) => presentedKey(new Request("http://x/", { headers: h }), new URL("http://x/"));
  expect(r({ authorization: "Bearer abc" })).toBe("abc");
  expect(r({ "x-api-key": "def" })).toBe("def");
  expect(r({ "x-goog-api-key": "ghi" })).toBe("ghi");
  expect(presentedKey(new Request(url.href), url)).toBe("from-query");
});
