import { describe, expect, test } from "bun:test";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { countText, pieceEnds, PIECE_CHARS, RUN_CHARS } from "./count-text.ts";

const AS_TEXT = { disallowedSpecial: new Set<string>() };
const count = (s: string) => countTokens(s, AS_TEXT);
const always = () => true;

function pieces(text: string): string[] {
  const ends = pieceEnds(text);
  return ends.map((e, i) => text.slice(i === 0 ? 0 : ends[i - 1], e));
}

/** A deterministic mix of words, code and numbers, with the odd double space and newline. */
function prose(chars: number): string {
  const words = ["the", "quick", "brown", "fox", "const x = f(y);", "1234567", "jumps", "über", "naïve", "日本語", "emoji 🦊", "", "\n", "\t"];
  let s = "";
  for (let i = 0, x = 7; s.length < chars; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += (i ? " " : "") + words[x % words.length];
  }
  return s;
}

describe("pieces", () => {
  test("join back into the text", () => {
    for (const t of ["", "a", prose(50_000), "a".repeat(100_000), "🦊".repeat(3000)]) expect(pieces(t).join("")).toBe(t);
  });

  test("a run without whitespace is cut every RUN_CHARS, and a piece is no longer than PIECE_CHARS plus a run", () => {
    const ps = pieces("x".repeat(1 << 20));
    expect(Math.max(...ps.map((p) => p.length))).toBe(RUN_CHARS);
    for (const p of pieces(prose(200_000))) expect(p.length).toBeLessThanOrEqual(PIECE_CHARS + RUN_CHARS);
  });

  // The fuzzer's body: a count_tokens whose tools[0].name was 524,288 spaces took the worker for
  // minutes, and every count after it waited behind it.
  test("a run of whitespace is cut every RUN_CHARS too", () => {
    for (const blank of [" ", "\n", "\t", "\u3000"]) {
      const ps = pieces(blank.repeat(1 << 19));
      expect(Math.max(...ps.map((p) => p.length))).toBe(RUN_CHARS);
    }
    expect(Math.max(...pieces(`a${" ".repeat(100_000)}b`).map((p) => p.length))).toBeLessThan(2 * RUN_CHARS);
  });

  test("never split a surrogate pair", () => {
    for (const p of pieces("🦊".repeat(5000))) {
      expect(p.charCodeAt(0)).toBe(0xd83e);
      expect(p.length % 2).toBe(0);
    }
  });

  test("cut prose only before whitespace, so its count is the tokenizer's own", () => {
    const t = prose(300_000);
    expect(pieces(t).length).toBeGreaterThan(30);
    expect(countText(t, count, always)).toEqual({ tokens: count(t), exact: true });
  });
});

describe("countText", () => {
  test("a long unbroken run is counted within a token per cut of the whole", () => {
    const t = "a".repeat(5_000);
    const got = countText(t, count, always);
    expect(got.exact).toBe(true);
    expect(Math.abs(got.tokens - count(t))).toBeLessThanOrEqual(t.length / RUN_CHARS);
  });

  test("text the tokenizer treats as special is counted as text", () => {
    expect(countText("say <|endoftext|> now", count, always).tokens).toBe(count("say <|endoftext|> now"));
  });

  test("out of time, the pieces counted so far are scaled to the whole, sampled from all of it", () => {
    // Half short words, then half one long run: a sample from the start alone would be far off.
    const t = prose(100_000) + "Q".repeat(100_000);
    const exact = countText(t, count, always).tokens;
    let allowed = 60;
    const seen: string[] = [];
    const got = countText(t, (p) => (seen.push(p), count(p)), () => allowed-- > 0);
    expect(got.exact).toBe(false);
    expect(seen.length).toBe(61);
    expect(seen[0]).toBe(t.slice(0, seen[0]!.length));
    const runs = seen.filter((p) => /^Q+$/.test(p)).length;
    expect(runs).toBeGreaterThan(10);
    expect(runs).toBeLessThan(seen.length);
    expect(Math.abs(got.tokens - exact) / exact).toBeLessThan(0.1);
  });

  test("empty text is no tokens", () => {
    expect(countText("", count, always)).toEqual({ tokens: 0, exact: true });
  });
});
