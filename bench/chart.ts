// Latency distributions as SVG: one panel per direction, latency on a log axis, percentile on the
// HdrHistogram-style axis −log10(1 − p), one line per target.
export interface Panel {
  title: string;
  series: { name: string; points: { p: number; ms: number }[] }[];
}

const COLORS: Record<string, string> = { direct: "#777777", floor: "#1f77b4", ccproxy: "#2ca02c", ccr: "#d62728", portkey: "#ff7f0e" };
const W = 420;
const H = 340;
const M = { left: 52, right: 14, top: 34, bottom: 64 };
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
const yOf = (p: number) => -Math.log10(1 - Math.min(p, 99.9) / 100);

function panel(pl: Panel, x0: number): string {
  const all = pl.series.flatMap((s) => s.points.map((q) => q.ms)).filter((v) => Number.isFinite(v) && v > 0);
  if (!all.length) return "";
  const lo = Math.floor(Math.log10(Math.min(...all)));
  const hi = Math.ceil(Math.log10(Math.max(...all)));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (ms: number) => x0 + M.left + ((Math.log10(ms) - lo) / Math.max(hi - lo, 1)) * pw;
  const sy = (p: number) => M.top + ph - (yOf(p) / 3) * ph;
  const out = [`<text x="${x0 + W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(pl.title)}</text>`];
  out.push(`<rect x="${x0 + M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  for (let e = lo; e <= hi; e++) {
    const x = sx(10 ** e);
    out.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${M.top + ph}" stroke="#ddd"/>`);
    out.push(`<text x="${x}" y="${M.top + ph + 14}" text-anchor="middle" font-size="10">${10 ** e >= 1 ? 10 ** e : (10 ** e).toFixed(-e)} ms</text>`);
  }
  for (const p of [1, 50, 90, 99, 99.9]) {
    const y = sy(p);
    out.push(`<line x1="${x0 + M.left}" y1="${y}" x2="${x0 + M.left + pw}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${x0 + M.left - 4}" y="${y + 3}" text-anchor="end" font-size="10">p${p}</text>`);
  }
  pl.series.forEach((s, i) => {
    const pts = s.points.filter((q) => Number.isFinite(q.ms) && q.ms > 0).map((q) => `${sx(q.ms).toFixed(1)},${sy(q.p).toFixed(1)}`);
    const color = COLORS[s.name] ?? "#000";
    out.push(`<polyline points="${pts.join(" ")}" fill="none" stroke="${color}" stroke-width="2"/>`);
    const lx = x0 + M.left + (i % 3) * 110;
    const ly = H - 26 + Math.floor(i / 3) * 14;
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 16}" y2="${ly - 4}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${lx + 20}" y="${ly}" font-size="11">${esc(s.name)}</text>`);
  });
  return out.join("\n");
}

const COLUMNS = 4;

/** Panels in rows of COLUMNS. */
export function chartSvg(panels: Panel[]): string {
  const cols = Math.min(panels.length, COLUMNS);
  const rows = Math.ceil(panels.length / COLUMNS);
  const width = W * cols;
  const height = H * rows;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 16}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...panels.map((p, i) => `<g transform="translate(${(i % COLUMNS) * W},${Math.floor(i / COLUMNS) * H})">${panel(p, 0)}</g>`),
    `<text x="${width / 2}" y="${height + 10}" text-anchor="middle" font-size="11" fill="#555">latency at concurrency 1: every round's requests pooled (wrk's coordinated-omission samples taken out), log scale</text>`,
    "</svg>",
  ].join("\n");
}
