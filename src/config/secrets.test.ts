import { describe, expect, test } from "bun:test";
import { clipForRedaction, redactor, Secrets, secretForms } from "./secrets.ts";

const KEY = "sk-proj-Secrets-Unit-9f8e7d";

describe("redactor", () => {
  const redact = redactor([KEY, "short", "abc"]);

  test("a key as is, JSON-escaped, percent-encoded and base64-encoded is cut", () => {
    expect(redact(`Bearer ${KEY}!`)).toBe("Bearer [redacted]!");
    expect(redact(encodeURIComponent(`a/${KEY}`))).toBe("a%2F[redacted]");
    expect(redact(btoa(KEY))).toBe("[redacted]");
  });

  test("base64 of a longer text holding the key is cut at every alignment", () => {
    for (const before of ["", "u", "us", "user:"]) {
      const encoded = btoa(`${before}${KEY}`);
      expect(redact(encoded)).toContain("[redacted]");
      expect(redact(Buffer.from(`${before}${KEY}`).toString("base64url"))).toContain("[redacted]");
    }
  });

  test("keys shorter than 4 characters are left alone; others are cut however short", () => {
    expect(redact("abc short")).toBe("abc [redacted]");
  });

  test("every form is at least 4 characters long", () => {
    expect(secretForms("abcd").every((f) => f.length >= 4)).toBe(true);
  });
});

test("Secrets keeps every key it was given, across configs", () => {
  const s = new Secrets(["first-key-1"]);
  s.add(["second-key-2", ""]);
  expect(s.redact("first-key-1 second-key-2")).toBe("[redacted] [redacted]");
  expect(s.size).toBe(2);
});

describe("clipForRedaction", () => {
  test("a cut that would fall inside a key reaches past it, so the key is still cut out whole", () => {
    const text = `${"a ".repeat(140)}key=${KEY} and more after it`;
    const cut = clipForRedaction(text, 290);
    expect(cut).toContain(KEY);
    expect(cut.endsWith("…")).toBe(true);
    expect(redactor([KEY])(cut)).not.toContain(KEY.slice(0, 8));
  });

  test("short texts are kept whole; a text with no break is cut at most 512 past the limit", () => {
    expect(clipForRedaction("short", 300)).toBe("short");
    expect(clipForRedaction("x".repeat(2000), 300)).toHaveLength(300 + 512 + 1);
  });
});
