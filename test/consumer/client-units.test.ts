/**
 * The independent consumer's parts against the documentation's own figures: the worked signature of
 * docs/mqtt.md section 6.2, deduplication and gaps per epoch (section 3.2), exact money.
 */
import { describe, expect, it } from "vitest";
import { signature } from "./client/signer.ts";
import { StreamTracker } from "./client/stream-tracker.ts";
import { e7ToYuan, yuanToE7 } from "./client/money.ts";

describe("independent consumer parts", () => {
  it("signs the worked example of docs/mqtt.md section 6.2 to the documented signature", () => {
    const request = {
      transaction: "tx-0001-example",
      gatewayId: "site-01",
      issuedAt: 1767614400000,
      expiresAt: 1767614520000,
      account: "A-101",
      amountFen: 5000,
      purchaseSeq: 7,
      paymentRef: "PAY-42",
    };
    expect(signature("topup", request, "0123456789abcdef0123456789abcdef\n")).toBe(
      "98264a010b77190ae408da837d7a675b530246616bbd7d1b84cf1130309e754d",
    );
  });

  it("drops a duplicate, flags one with another key, and keeps epochs apart (none = one epoch)", () => {
    const tracker = new StreamTracker();
    const rec = (seq: number, key: string, epoch?: string) => ({
      gatewayId: "g",
      stream: "billing",
      seq,
      key,
      epoch,
    });
    expect([rec(1, "a"), rec(3, "c"), rec(1, "a")].map((r) => tracker.accept(r))).toEqual([
      true,
      true,
      false,
    ]);
    expect(tracker.gaps()).toEqual([{ gatewayId: "g", stream: "billing", epoch: "", missing: [2] }]);
    // A replaced database: seq restarts at 1 in a new epoch, its ids prefixed with the epoch (3.1).
    expect(tracker.accept(rec(1, "e2:a", "e2"))).toBe(true);
    expect(tracker.epochs("g", "billing")).toEqual(["", "e2"]);
    expect(tracker.accept(rec(1, "other"))).toBe(false);
    // A key seen before on another record (here: another epoch) breaks 3.1's uniqueness: dropped, flagged.
    expect(tracker.accept(rec(2, "e2:a", "e2"))).toBe(false);
    expect(tracker.problems).toEqual([
      "g/billing seq 1: key other, earlier a",
      "key e2:a on g/billing epoch e2 seq 2, earlier on g/billing epoch e2 seq 1",
    ]);
    expect(tracker.duplicates).toBe(2);
  });

  it("parses money exactly", () => {
    expect(yuanToE7("-12.3456789")).toBe(-123456789n);
    expect(yuanToE7("100")).toBe(yuanToE7("100.00"));
    expect(e7ToYuan(yuanToE7("0.77245") + yuanToE7("99.22755"))).toBe("100");
    expect(() => yuanToE7("1e3")).toThrow(/not a money string/);
  });
});
