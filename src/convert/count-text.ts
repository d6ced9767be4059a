// How one long text is counted with a bounded cost. The BPE tokenizer's cost grows with the square
// of a run without whitespace (1 MB of "a" took minutes), so the text goes to it in pieces: cut at
// whitespace, where a cut changes no token, and inside a long unbroken run (of whitespace too) every
// RUN_CHARS, which adds at most a token per cut. Pieces are counted spread over the whole text, so a count that
// runs out of time is still a fair sample of it, scaled up.

/** The longest run without whitespace the tokenizer gets whole (measured fastest at 256-512). */
export const RUN_CHARS = 256;
/** Pieces end at the last whitespace once they are this long. */
export const PIECE_CHARS = 8192;
/** Groups of consecutive pieces counted in turn, one piece of each per round. */
const STRATA = 64;

// The whitespace the tokenizer's pattern splits at (ASCII, NBSP, the ideographic space); any other
// only makes a run look longer, which costs a cut, never a wrong count.
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x3000;
}

/** Where each piece of `text` ends (exclusive), in order; the last is text.length. */
export function pieceEnds(text: string): number[] {
  const ends: number[] = [];
  const n = text.length;
  let start = 0;
  let run = 0;
  let blank = 0; // the same for a run of whitespace, which the tokenizer also takes whole
  let cut = -1; // the latest place where a cut changes no token
  let prev = 0;
  for (let i = 0; i < n; prev = text.charCodeAt(i++)) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      run = 0;
      if (++blank >= RUN_CHARS) {
        ends.push(i + 1);
        start = i + 1;
        blank = 0;
        continue;
      }
    } else {
      blank = 0;
      // Before a word the tokenizer joins one space to it, and ends a line break with the break:
      // so cut before the last space, or after the last break, of the whitespace before a word.
      if (i > 0 && isSpace(prev)) cut = prev === 10 || prev === 13 ? i : i - 1;
      if (++run >= RUN_CHARS && !(c >= 0xd800 && c <= 0xdbff)) {
        // a cut inside the run (never between the two halves of a surrogate pair)
        ends.push(i + 1);
        start = i + 1;
        run = 0;
        continue;
      }
    }
    if (i + 1 - start >= PIECE_CHARS && cut > start) {
      ends.push(cut);
      start = cut;
    }
  }
  if (start < n) ends.push(n);
  return ends;
}

export interface TextCount {
  tokens: number;
  /** false when time ran out and `tokens` is scaled up from the pieces counted */
  exact: boolean;
}

/**
 * The tokens of `text`, counted piece by piece with `count` while `more()` allows; once it does
 * not, the tokens of the pieces counted so far scaled to the whole text's length.
 */
export function countText(text: string, count: (piece: string) => number, more: () => boolean): TextCount {
  const ends = pieceEnds(text);
  const n = ends.length;
  const per = Math.ceil(n / STRATA);
  let tokens = 0;
  let chars = 0;
  for (let round = 0; round < per; round++) {
    for (let p = round; p < n; p += per) {
      if (chars > 0 && !more()) return { tokens: Math.round((tokens * text.length) / chars), exact: false };
      const from = p === 0 ? 0 : ends[p - 1]!;
      tokens += count(text.slice(from, ends[p]));
      chars += ends[p]! - from;
    }
  }
  return { tokens, exact: true };
}
