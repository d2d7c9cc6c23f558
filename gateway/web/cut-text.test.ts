/**
 * The web page's cut column says why a due cut has not run (keep-power, heavy load), in the same words
 * as `status` (billing/cut-wait.ts), next to the announced time.
 */
import { describe, expect, it } from "vitest";

/** The page's scripts are plain browser JavaScript, without types: loaded as a module with a stated type. */
const pagesScript: string = "./assets/pages.js";
const { cutText } = (await import(pagesScript)) as { cutText: (cut: unknown) => string };

const plannedAtMs = Date.UTC(2026, 0, 5, 10, 30);

describe("the web page's cut column", () => {
  it("names what a held cut waits for", () => {
    const announced = { state: "announced", plannedAtMs, announcedAtMs: plannedAtMs - 3_600_000 };
    const plain = cutText({ ...announced, waitingFor: null });
    expect(plain).toMatch(/^cut announced for /);
    const held = cutText({ ...announced, waitingFor: "the load to drop: the meter draws 40 A" });
    expect(held).toBe(`${plain}, waiting for the load to drop: the meter draws 40 A`);
  });
});
