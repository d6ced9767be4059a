// Small statistics for rounds: medians, percentiles, and the spread of round medians.
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = (p / 100) * (s.length - 1);
  const lo = Math.floor(i);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (i - lo);
}

export const median = (xs: number[]) => percentile(xs, 50);

/** Median of per-round values with their min–max: what the report prints as "m (lo…hi)". */
export interface Summary {
  median: number;
  lo: number;
  hi: number;
  n: number;
}

export function summarize(rounds: number[]): Summary {
  const ok = rounds.filter((x) => Number.isFinite(x));
  return { median: median(ok), lo: Math.min(...ok), hi: Math.max(...ok), n: ok.length };
}
