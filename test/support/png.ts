// Enough of PNG to look at a screenshot's pixels (8-bit RGB or RGBA, not interlaced, as Chromium
// writes them): its size, and how many distinct colours it holds.
import { inflateSync } from "node:zlib";

export function pngPixels(png: Uint8Array): { width: number; height: number; colours: number } {
  const b = Buffer.from(png);
  if (b.subarray(0, 8).toString("latin1") !== "\x89PNG\r\n\x1a\n") throw new Error("not a PNG");
  let at = 8;
  let width = 0, height = 0, channels = 0;
  const idat: Buffer[] = [];
  while (at < b.length) {
    const len = b.readUInt32BE(at);
    const type = b.subarray(at + 4, at + 8).toString("latin1");
    const data = b.subarray(at + 8, at + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[12] !== 0) throw new Error("only 8-bit, non-interlaced PNGs");
      channels = ({ 2: 3, 6: 4 } as Record<number, number>)[data[9]!] ?? 0;
      if (!channels) throw new Error(`colour type ${data[9]} not read here`);
    } else if (type === "IDAT") idat.push(data);
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const prev = new Uint8Array(stride);
  const row = new Uint8Array(stride);
  const colours = new Set<number>();
  for (let y = 0; y < height; y++) {
    const base = y * (stride + 1);
    const filter = raw[base]!;
    for (let x = 0; x < stride; x++) {
      const v = raw[base + 1 + x]!;
      const a = x >= channels ? row[x - channels]! : 0;
      const up = prev[x]!;
      const c = x >= channels ? prev[x - channels]! : 0;
      let p = 0;
      if (filter === 1) p = a;
      else if (filter === 2) p = up;
      else if (filter === 3) p = (a + up) >> 1;
      else if (filter === 4) {
        const e = a + up - c;
        const [da, db, dc] = [Math.abs(e - a), Math.abs(e - up), Math.abs(e - c)];
        p = da <= db && da <= dc ? a : db <= dc ? up : c;
      }
      row[x] = (v + p) & 0xff;
    }
    for (let x = 0; x < stride; x += channels) colours.add((row[x]! << 16) | (row[x + 1]! << 8) | row[x + 2]!);
    prev.set(row);
  }
  return { width, height, colours: colours.size };
}
