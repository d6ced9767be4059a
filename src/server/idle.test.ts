import { expect, test } from "bun:test";
import { collectWhenIdle } from "./idle.ts";

test("collects once quiet for quietMs, once per burst, never while busy", async () => {
  let collections = 0;
  const idle = collectWhenIdle({ tickMs: 20, quietMs: 100, large: 1_000, atStart: false }, () => collections++);
  try {
    await Bun.sleep(100);
    expect(collections).toBe(0); // nothing served yet: nothing to give back
    const busy = setInterval(() => idle.served(), 5);
    await Bun.sleep(150);
    clearInterval(busy);
    expect(collections).toBe(0); // requests in every tick
    await Bun.sleep(30);
    expect(collections).toBe(0); // a small burst waits for quietMs
    await Bun.sleep(250);
    expect(collections).toBe(1);
    await Bun.sleep(150);
    expect(collections).toBe(1); // quiet since: no second collection
    idle.served();
    await Bun.sleep(250);
    expect(collections).toBe(2);
  } finally {
    idle.stop();
  }
});

test("a large burst is collected after one quiet tick", async () => {
  let collections = 0;
  const idle = collectWhenIdle({ tickMs: 20, quietMs: 10_000, large: 100, atStart: false }, () => collections++);
  try {
    for (let i = 0; i < 99; i++) idle.served();
    await Bun.sleep(120);
    expect(collections).toBe(0); // below `large`: waits for quietMs
    idle.served();
    await Bun.sleep(120);
    expect(collections).toBe(1);
  } finally {
    idle.stop();
  }
});

test("collects start-up's garbage once, at once", async () => {
  let collections = 0;
  const idle = collectWhenIdle({ tickMs: 20, quietMs: 10_000, large: 1_000 }, () => collections++);
  try {
    await Bun.sleep(100);
    expect(collections).toBe(1);
  } finally {
    idle.stop();
  }
});
