/**
 * The account lifecycle over a real broker (issue 16): a platform opens an account, adjusts and refunds
 * it with signed commands on a real mosquitto, reads it back with account.get, and receives each change
 * on the `billing` stream, enveloped and in order, as an integrator would.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { signedRequest } from "../helpers/uplink/fixtures.ts";
import type { MosquittoBroker } from "../helpers/index.ts";
import { startMosquitto } from "../helpers/index.ts";
import type { GatewayUnderTest } from "../helpers/uplink/harness.ts";
import { Platform } from "../helpers/platform.ts";
import { startGateway } from "../helpers/uplink/harness.ts";

let broker: MosquittoBroker;
let platform: Platform;
let gateway: GatewayUnderTest | undefined;
beforeAll(async () => {
  broker = await startMosquitto();
  platform = await Platform.connect(broker.url);
});
afterEach(async () => {
  await gateway?.stop().catch(() => undefined);
  gateway = undefined;
});
afterAll(async () => {
  await platform.close();
  await broker.stop();
});

/** Bodies of the billing records received so far for `accountId`, in stream order. */
function billingFor(accountId: string): Record<string, unknown>[] {
  return platform
    .on("billing")
    .map((m) => m.payload)
    .sort((a, b) => (a["seq"] as number) - (b["seq"] as number))
    .map((p) => p["body"] as Record<string, unknown>)
    .filter((body) => body["accountId"] === accountId);
}

describe("account lifecycle over MQTT", () => {
  it("a refund and an adjustment arrive as signed commands and show in billing", async () => {
    gateway = await startGateway({ url: broker.url });
    const send = (command: string, params: Record<string, unknown>) =>
      platform.request(command, signedRequest(command, params, { nowMs: Date.now() }));
    const open = {
      account: "C-3",
      customerNo: "CUST-3",
      meter: "M-3",
      tariff: "T-1",
      openingBalance: "10.00",
    };
    expect(await send("account.open", open)).toMatchObject({ status: "ok", result: { status: "opened" } });
    const adjusted = await send("adjustment", {
      account: "C-3",
      amountFen: 250,
      reason: "goodwill credit",
      operator: "ops-7",
    });
    expect(adjusted).toMatchObject({ status: "ok", result: { balance: "12.50" } });
    const refunded = await send("refund", {
      account: "C-3",
      refundSeq: 1,
      amountFen: 700,
      reason: "customer moved out",
    });
    expect(refunded).toMatchObject({
      status: "ok",
      result: { status: "applied", refundSeq: 1, balance: "5.50" },
    });
    expect(await send("account.get", { account: "C-3" })).toMatchObject({
      status: "ok",
      result: { account: "C-3", customerNo: "CUST-3", meters: ["M-3"], balance: "5.50", lastRefundSeq: 1 },
    });
    await platform.until(() => billingFor("C-3").length >= 5, "five billing records of C-3");
    expect(billingFor("C-3")).toEqual([
      { kind: "adjustment", accountId: "C-3", amount: "10.00", balance: "10.00", reason: "opening balance" },
      {
        kind: "account",
        status: "opened",
        accountId: "C-3",
        customerNo: "CUST-3",
        meterId: "M-3",
        balance: "10.00",
      },
      // Opened below alarm 2: the balance snapshot that goes with the alarms raised.
      { kind: "balance", accountId: "C-3", balance: "10.00", moneyState: "warning2" },
      {
        kind: "adjustment",
        accountId: "C-3",
        amount: "2.50",
        balance: "12.50",
        reason: "goodwill credit",
        operator: "ops-7",
        source: "uplink",
      },
      {
        kind: "refund",
        status: "applied",
        accountId: "C-3",
        refundSeq: 1,
        amountFen: 700,
        balance: "5.50",
        reason: "customer moved out",
        source: "uplink",
      },
    ]);
  });
});
