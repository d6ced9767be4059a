// Whether one model glob covers another: a later pattern covered by an earlier one never matches,
// since the first match wins. `*` is any run of characters and `?` one, as in resolve.ts.

/**
 * True when every name `inner` matches is also matched by `outer`. Sound, not complete: it may miss
 * an exotic cover (`?*` covers `*?`), but never claims one that is not.
 */
export function covers(outer: string, inner: string): boolean {
  const a = [...outer];
  const b = [...inner];
  // row[j]: whether a[i..] covers b[j..]; computed from the end of `outer` backwards.
  let row = b.map(() => false).concat(true);
  for (let i = a.length - 1; i >= 0; i--) {
    const next = new Array<boolean>(b.length + 1).fill(false);
    for (let j = b.length; j >= 0; j--) {
      if (a[i] === "*") next[j] = row[j]! || (j < b.length && next[j + 1]!); // match nothing, or absorb b[j]
      else if (j === b.length || b[j] === "*") next[j] = false; // only a `*` covers a `*`
      else if (a[i] === "?") next[j] = row[j + 1]!;
      else next[j] = b[j] === a[i] && row[j + 1]!;
    }
    row = next;
  }
  return row[0]!;
}

/**
 * The earlier pattern that makes `pattern` dead, if any. A lone "*" is the catch-all, tried after
 * every other pattern whatever its place (resolveModel), so it shadows nothing.
 */
export function shadowingPattern(earlier: readonly string[], pattern: string): string | undefined {
  return earlier.find((e) => e !== "*" && covers(e, pattern));
}
