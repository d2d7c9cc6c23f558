import { describe, expect, it } from "vitest";
import type { BusLink, Transactor } from "../bus/scheduler.ts";
import { UnbrokenRun } from "./unbroken-run.ts";

const link: BusLink = {
  description: "fake",
  isOpen: true,
  open: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

/** A transactor whose n-th transaction takes `attempts[n]` attempts (1: answered at once). */
function scripted(attempts: number[]): Transactor<BusLink> {
  let n = 0;
  const tx = {
    retried: false,
    async transact<R>(exchange: (l: BusLink, timeoutMs: number) => Promise<R>): Promise<R> {
      const tries = attempts[n++] ?? 1;
      for (let i = 1; i < tries; i++) {
        await exchange(link, 100);
        tx.retried = true;
      }
      return exchange(link, 100);
    },
  };
  return tx;
}

async function run(attempts: number[]): Promise<UnbrokenRun<BusLink>> {
  const unbroken = new UnbrokenRun(scripted(attempts));
  for (let i = 0; i < attempts.length; i++) await unbroken.transact(() => Promise.resolve(i));
  return unbroken;
}

describe("UnbrokenRun", () => {
  it.each([
    { attempts: [1, 1, 1], broken: false, retried: false },
    // Nothing had been read when the first request was retried: the reading is one meter's.
    { attempts: [2, 1, 1], broken: false, retried: true },
    // Answered, then a retry: what follows may be another meter's.
    { attempts: [1, 2, 1], broken: true, retried: true },
    { attempts: [1, 1, 3], broken: true, retried: true },
  ])("attempts per request $attempts: broken $broken", async ({ attempts, broken, retried }) => {
    const unbroken = await run(attempts);
    expect({ broken: unbroken.broken, retried: unbroken.retried }).toEqual({ broken, retried });
  });

  it("passes each exchange's result through", async () => {
    const unbroken = new UnbrokenRun(scripted([2]));
    await expect(unbroken.transact(() => Promise.resolve("registers"))).resolves.toBe("registers");
  });
});
