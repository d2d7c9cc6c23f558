/**
 * The retained meter state follows a balance change that no reading brings: a signed top-up over the
 * real broker is published as the meter's new balance without waiting for the next poll (docs/mqtt.md
 * section 5), and so does the relay position read back after a switch. The meters are polled once an
 * hour, so the only poll is the one at start.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startSite, type Site } from "../helpers/faults/site.ts";
import type { Received } from "../helpers/platform.ts";
import { signedRequest } from "../helpers/uplink/fixtures.ts";

let site: Site | undefined;
afterEach(async () => {
  await site?.close();
  site = undefined;
});

const HOUR_MS = 3_600_000;
/** The state's balance as a number of yuan (the string may carry trailing zeros). */
const balanceOf = (m: Received | undefined) => Number(m?.payload["balance"]);
const readingOf = (m: Received | undefined) => (m?.payload["reading"] as { wallMs?: number } | null)?.wallMs;

describe("retained meter state after a top-up", () => {
  it("publishes the new balance after the commit, with no poll in between", { timeout: 60_000 }, async () => {
    site = await startSite({ meters: 1, pollIntervalMs: HOUR_MS, powerW: 0, balance: "100.00" });
    await site.start();
    const { platform } = site;
    const states = () => platform.on("meters/M-1/state");
    await platform.until(
      () => readingOf(states().at(-1)) !== undefined,
      "the state after the first poll",
      20_000,
    );
    const polled = states().at(-1);
    expect(balanceOf(polled)).toBe(100);

    const params = { account: "A-1", amountFen: 2550, purchaseSeq: 1, paymentRef: "PAY-1" };
    const response = await platform.request("topup", signedRequest("topup", params, { nowMs: Date.now() }));
    expect(response).toMatchObject({ status: "ok", result: { status: "applied" } });

    // Paced (mqtt.meterStateIntervalMs, 5 s): at the latest one interval after the previous state.
    await platform.until(() => balanceOf(states().at(-1)) === 125.5, "a state with the new balance", 15_000);
    const after = states().at(-1)!;
    expect(readingOf(after)).toBe(readingOf(polled)); // the same reading: no poll brought it
  });

  it(
    "publishes the relay position read back after a signed cut, with no poll in between",
    { timeout: 60_000 },
    async () => {
      site = await startSite({ meters: 1, pollIntervalMs: HOUR_MS, powerW: 0, balance: "100.00" });
      await site.start();
      const { platform } = site;
      const states = () => platform.on("meters/M-1/state");
      await platform.until(
        () => readingOf(states().at(-1)) !== undefined,
        "the state after the first poll",
        20_000,
      );
      const polled = states().at(-1)!;
      expect(polled.payload["relay"]).toBe("closed");

      const params = { meter: "M-1", action: "cut", reason: "test" };
      const response = await platform.request("relay", signedRequest("relay", params, { nowMs: Date.now() }));
      expect(response).toMatchObject({ status: "ok" });
      await platform.until(
        () => states().at(-1)?.payload["relay"] === "open",
        "a state with the relay open",
        15_000,
      );
      expect(readingOf(states().at(-1))).toBe(readingOf(polled));
    },
  );
});
