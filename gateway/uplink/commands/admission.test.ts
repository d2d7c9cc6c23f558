import { describe, expect, it } from "vitest";
import { signedRequest, testGatewayId, testKey } from "../../../test/helpers/uplink/fixtures.ts";
import type { AdmissionPolicy } from "./admission.ts";
import { admitCommand, maxRequestBytes } from "./admission.ts";
import { signCommand } from "./signature.ts";

const now = Date.UTC(2026, 0, 5, 12);
const policy: AdmissionPolicy = {
  gatewayId: testGatewayId,
  commandKey: testKey,
  maxTtlMs: 900_000,
  clockSkewMs: 60_000,
};
const topup = { account: "A-1", amountFen: 5000, purchaseSeq: 1, paymentRef: "PAY-1" };
const bytes = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value));
const admit = (command: string, payload: unknown, p: Partial<AdmissionPolicy> = {}) =>
  admitCommand(command, bytes(payload), now, { ...policy, ...p });
const codeOf = (admission: ReturnType<typeof admit>) => (admission.ok ? "OK" : admission.code);

describe("command admission", () => {
  it("admits a well-formed, signed, current request for this gateway", () => {
    const request = signedRequest("topup", topup, { nowMs: now, transaction: "tx-admit-0001" });
    const admission = admit("topup", request);
    expect(admission).toEqual({ ok: true, command: "topup", request });
  });

  it.each([
    ["TOO_LARGE", "topup", "x".repeat(maxRequestBytes + 1)],
    ["NOT_JSON", "topup", "{not json"],
    ["NOT_JSON", "topup", Buffer.from([0xff, 0xfe, 0x7b, 0x7d])],
    ["NOT_JSON", "topup", "[1,2]"],
    ["NOT_JSON", "topup", "null"],
    ["UNKNOWN_COMMAND", "self.destruct", {}],
    ["SCHEMA", "topup", { ...topup, amountFen: "5000" }],
  ])("refuses with %s", (code, command, payload) => {
    expect(
      codeOf(admitCommand(command, Buffer.isBuffer(payload) ? payload : bytes(payload), now, policy)),
    ).toBe(code);
  });

  it("lists schema issues and echoes a readable transaction", () => {
    const request = {
      ...signedRequest("relay", { meter: "M-1", action: "explode" }, { nowMs: now }),
      transaction: "tx-schema-01",
    };
    const admission = admit("relay", request);
    expect(admission).toMatchObject({ ok: false, code: "SCHEMA", transaction: "tx-schema-01" });
    const issues = (admission as unknown as { details: { issues: { path: string }[] } }).details.issues.map(
      (i) => i.path,
    );
    expect(issues.sort()).toEqual(["action", "reason"]);
  });

  it("refuses unknown fields, so nothing unsigned-looking can ride along", () => {
    const request = signedRequest("topup", { ...topup, bonusFen: 1 }, { nowMs: now });
    expect(codeOf(admit("topup", request))).toBe("SCHEMA");
  });

  it("refuses every command when no key is configured", () => {
    expect(
      codeOf(admit("topup", signedRequest("topup", topup, { nowMs: now }), { commandKey: undefined })),
    ).toBe("NO_COMMAND_KEY");
  });

  it("checks the signature over every field, the command name included", () => {
    const request = signedRequest("topup", topup, { nowMs: now });
    expect(codeOf(admit("topup", { ...request, amountFen: 500_000 }))).toBe("BAD_SIGNATURE");
    expect(
      codeOf(admit("topup", signedRequest("topup", topup, { nowMs: now, key: Buffer.from("k".repeat(32)) }))),
    ).toBe("BAD_SIGNATURE");
    // time.check and config.get requests look alike: the signed command name tells them apart.
    const timeCheck = signedRequest("time.check", {}, { nowMs: now });
    expect(codeOf(admit("time.check", timeCheck))).toBe("OK");
    expect(codeOf(admit("config.get", timeCheck))).toBe("BAD_SIGNATURE");
    expect(
      codeOf(admit("config.get", { ...timeCheck, signature: signCommand("config.get", timeCheck, testKey) })),
    ).toBe("OK");
  });

  it("refuses a correctly signed command for another gateway", () => {
    expect(codeOf(admit("topup", signedRequest("topup", topup, { nowMs: now, gatewayId: "gw-other" })))).toBe(
      "WRONG_GATEWAY",
    );
  });

  it("enforces the validity window on the gateway clock", () => {
    const at = (nowMs: number, ttlMs = 120_000) =>
      codeOf(admit("topup", signedRequest("topup", topup, { nowMs, ttlMs })));
    expect(at(now - 120_001)).toBe("EXPIRED");
    expect(at(now - 120_000)).toBe("OK");
    expect(at(now + 60_000)).toBe("OK");
    expect(at(now + 60_001)).toBe("NOT_YET_VALID");
    expect(at(now, 900_001)).toBe("BAD_VALIDITY");
    expect(at(now, 0)).toBe("BAD_VALIDITY");
    const expired = admit("topup", signedRequest("topup", topup, { nowMs: now - 200_000 }));
    expect(expired).toMatchObject({ details: { gatewayTimeMs: now } });
  });
});
