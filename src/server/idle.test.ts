import { expect, test } from "bun:test";
import { collectWhenIdle, type IdleTiming } from "./idle.ts";

function counting(timing: Partial<IdleTiming>, busy?: () => boolean) {
  const n = { collect: 0, shrink: 0 };
  const idle = collectWhenIdle({ atStart: false, earned: 1, ...timing }, { collect: () => n.collect++, shrink: () => n.shrink++ }, busy);
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

test("a probe now and then does not earn a shrink: each would throw the compiled code away again", async () => {
  const { n, idle } = counting({ tickMs: 20, quietMs: 100, large: 1_000, earned: 10 });
  try {
    for (let i = 0; i < 10; i++) idle.served();
    await Bun.sleep(200);
    expect(n.shrink).toBe(1);
    for (let probe = 0; probe < 3; probe++) {
      idle.served(); // a health check or a metrics scrape
      await Bun.sleep(160); // longer than quietMs after each
    }
    expect(n.shrink).toBe(1);
    for (let i = 0; i < 6; i++) idle.served(); // work again: 9 since the shrink, then 10
    await Bun.sleep(160);
    expect(n.shrink).toBe(1);
    idle.served();
    await Bun.sleep(200);
    expect(n).toEqual({ collect: 0, shrink: 2 });
  } finally {
    idle.stop();
  }
});

test("nothing is shrunk while a request is in flight (a long stream), though a burst is still collected", async () => {
  let open = true;
  const { n, idle } = counting({ tickMs: 20, quietMs: 100, large: 50 }, () => open);
  try {
    for (let i = 0; i < 50; i++) idle.served();
    await Bun.sleep(250);
    expect(n).toEqual({ collect: 1, shrink: 0 });
    open = false;
    await Bun.sleep(200);
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
