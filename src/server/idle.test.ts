import { expect, test } from "bun:test";
import { collectWhenIdle } from "./idle.ts";

test("collects once a whole period passes without a request, once per burst, never while busy", async () => {
  let collections = 0;
  const idle = collectWhenIdle(40, () => collections++);
  try {
    await Bun.sleep(100);
    expect(collections).toBe(0); // nothing served yet: nothing to give back
    const busy = setInterval(() => idle.served(), 5);
    await Bun.sleep(150);
    clearInterval(busy);
    expect(collections).toBe(0); // requests in every period
    await Bun.sleep(120);
    expect(collections).toBe(1);
    await Bun.sleep(120);
    expect(collections).toBe(1); // quiet since: no second collection
    idle.served();
    await Bun.sleep(120);
    expect(collections).toBe(2);
  } finally {
    idle.stop();
  }
});
