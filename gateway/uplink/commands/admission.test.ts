import { describe, expect, it } from "vitest";
import { signedRequest, testGatewayId, testKey } from "../../../test/helpers/uplink/fixtures.ts";
import type { AdmissionPolicy } from "./admission.ts";
import { admitCommand, maxRequestBytes } from "./admission.ts";
import { signCommand } from "./signature.ts";

const now = Date.UTC(2026, 0, 5, 12);
const policy: AdmissionPolicy = {
  gatewayId: testGatewayId,
  commandKeys: [{ id: "default", key: testKey }],
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
    expect(codeOf(admit("topup", signedRequest("topup", topup, { nowMs: now }), { commandKeys: [] }))).toBe(
      "NO_COMMAND_KEY",
    );
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

describe("several command keys (rotation)", () => {
  const oldKey = Buffer.from("old-command-key-0123456789abcdef!");
  const newKey = Buffer.from("new-command-key-0123456789abcdef!");
  const rotating: Partial<AdmissionPolicy> = {
    commandKeys: [
      { id: "2026-11", key: oldKey, notAfterMs: now + 1000 },
      { id: "2026-12", key: newKey, notBeforeMs: now - 1000 },
    ],
  };
  const under = (key: Buffer, kid: string | undefined, nowMs = now) =>
    signedRequest("topup", topup, { nowMs, key, ...(kid === undefined ? {} : { kid }) });

  it("accepts each key under its own kid during the overlap window", () => {
    expect(codeOf(admit("topup", under(oldKey, "2026-11"), rotating))).toBe("OK");
    expect(codeOf(admit("topup", under(newKey, "2026-12"), rotating))).toBe("OK");
  });

  it("refuses a request without kid while two keys are configured, and names them", () => {
    expect(admit("topup", under(newKey, undefined), rotating)).toMatchObject({
      code: "KEY_ID_REQUIRED",
      details: { keyIds: ["2026-11", "2026-12"] },
    });
  });

  it("keeps accepting a request without kid while exactly one key is configured", () => {
    expect(codeOf(admit("topup", under(testKey, undefined)))).toBe("OK");
    expect(codeOf(admit("topup", under(testKey, "default")))).toBe("OK");
  });

  it("refuses an unknown kid with the ids it accepts, before looking at the signature", () => {
    expect(admit("topup", under(newKey, "2027-01"), rotating)).toMatchObject({
      code: "UNKNOWN_KEY",
      details: { kid: "2027-01", keyIds: ["2026-11", "2026-12"] },
    });
  });

  it("refuses a key outside its window only after its signature proved the sender holds it", () => {
    const expired = admitCommand("topup", bytes(under(oldKey, "2026-11", now + 2000)), now + 2000, {
      ...policy,
      ...rotating,
    });
    expect(expired).toMatchObject({
      code: "KEY_EXPIRED",
      details: { kid: "2026-11", notAfterMs: now + 1000, gatewayTimeMs: now + 2000 },
    });
    const early = admitCommand("topup", bytes(under(newKey, "2026-12", now - 2000)), now - 2000, {
      ...policy,
      ...rotating,
    });
    expect(early).toMatchObject({ code: "KEY_NOT_YET_VALID", details: { kid: "2026-12" } });
    // Signed with the new key but naming the old one: a bad signature, not an expiry.
    expect(codeOf(admit("topup", under(newKey, "2026-11"), rotating))).toBe("BAD_SIGNATURE");
  });

  it("signs kid like every other field: changing it breaks the signature", () => {
    const request = under(newKey, "2026-12");
    const both = { commandKeys: [...rotating.commandKeys!, { id: "alias", key: newKey }] };
    expect(codeOf(admit("topup", { ...request, kid: "alias" }, both))).toBe("BAD_SIGNATURE");
  });
});
