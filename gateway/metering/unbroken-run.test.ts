import { describe, expect, it } from "vitest";
import { UnbrokenRun } from "./unbroken-run.ts";

/** A run whose n-th request took `attempts[n]` attempts (1: answered at once). */
function run(attempts: number[]): UnbrokenRun {
  const unbroken = new UnbrokenRun();
  for (const tries of attempts) unbroken.answeredAfter(tries);
  return unbroken;
}

describe("UnbrokenRun", () => {
  it.each([
    { attempts: [1, 1, 1], broken: false },
    // Nothing had been read when the first request was retried: the reading is one meter's.
    { attempts: [2, 1, 1], broken: false },
    // Answered, then a retry: what follows may be another meter's.
    { attempts: [1, 2, 1], broken: true },
    { attempts: [1, 1, 3], broken: true },
  ])("attempts per request $attempts: broken $broken", ({ attempts, broken }) => {
    expect(run(attempts).broken).toBe(broken);
  });
});
