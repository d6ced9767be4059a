import { expect, test } from "bun:test";
import { collectWhenIdle, type IdleTiming } from "./idle.ts";

function counting(timing: Partial<IdleTiming>) {
  const n = { collect: 0, shrink: 0 };
  const idle = collectWhenIdle({ atStart: false, ...timing }, { collect: () => n.collect++, shrink: () => n.shrink++ });
  return { n, idle };
}

test("shrinks once quiet for quietMs, once per quiet spell, never while busy", async () => {
  const { n, idle } = counting({ tickMs: 20, quietMs: 100, large: 1_000 });
  try {
    await Bun.sleep(150);
    expect(n.shrink).toBe(0); // nothing served yet: nothing to give back
    const busy = setInterval(() => idle.served(), 5);
    await Bun.sleep(150);
    clearInterval(busy);
    expect(n.shrink).toBe(0); // requests in every tick
    await Bun.sleep(30);
    expect(n).toEqual({ collect: 0, shrink: 0 }); // a small burst waits for quietMs
    await Bun.sleep(250);
    expect(n.shrink).toBe(1);
    await Bun.sleep(150);
    expect(n.shrink).toBe(1); // quiet since: no second shrink
    idle.served();
    await Bun.sleep(250);
    expect(n).toEqual({ collect: 0, shrink: 2 });
  } finally {
    idle.stop();
  }
});

test("a large burst is collected after one quiet tick, and shrunk only after quietMs", async () => {
  const { n, idle } = counting({ tickMs: 20, quietMs: 400, large: 100 });
  try {
    for (let i = 0; i < 99; i++) idle.served();
    await Bun.sleep(120);
    expect(n.collect).toBe(0); // below `large`
    idle.served();
    await Bun.sleep(120);
    expect(n).toEqual({ collect: 1, shrink: 0 });
    await Bun.sleep(500);
    expect(n).toEqual({ collect: 1, shrink: 1 });
  } finally {
    idle.stop();
  }
});

test("start-up's garbage is shrunk at once", async () => {
  const { n, idle } = counting({ tickMs: 20, quietMs: 10_000, large: 1_000, atStart: true });
  try {
    await Bun.sleep(50);
    expect(n).toEqual({ collect: 0, shrink: 1 });
  } finally {
    idle.stop();
  }
});
