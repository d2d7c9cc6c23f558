import { describe, expect, it } from "vitest";
import { sealPayload, splitSealed, verifySealed } from "./seal.ts";

/**
 * The worked example of docs/mqtt.md 6.2.2: the expected signature was computed with openssl
 * (`openssl dgst -sha256 -hmac KEY signed.bin`) and Python's hmac from the bytes below, not by this code.
 */
const key = { id: "up-2026-12", key: Buffer.from("fedcba9876543210fedcba9876543210") };
const record =
  '{"v":1,"gatewayId":"site-01","stream":"billing","epoch":"9f1c3a5e7b2d4f60","seq":1042,' +
  '"key":"9f1c3a5e7b2d4f60:topup:A-101:7","wallMs":1767614400123,' +
  '"monoMs":8812345,"historical":false,"body":{"kind":"topup","status":"applied","accountId":"A-101",' +
  '"purchaseSeq":7,"paymentRef":"PAY-42","amountFen":5000,"balance":"150.00","source":"uplink"}}';
const exampleSig = "322bb6cf14e65c0e4a76b2a514e3c8c3287e604d5fa300bd22bf8e45ecff516b";
const examplePayload = `${record.slice(0, -1)},"kid":"up-2026-12","sig":"${exampleSig}"}`;

describe("signed messages", () => {
  it("match the documented example byte for byte", () => {
    expect(sealPayload(record, key)).toBe(examplePayload);
    expect(verifySealed(Buffer.from(examplePayload), key.key)).toBe(true);
  });

  it("stay JSON with kid and sig as the last two members", () => {
    const parsed = JSON.parse(sealPayload(record, key)) as Record<string, unknown>;
    expect(Object.keys(parsed).slice(-2)).toEqual(["kid", "sig"]);
    expect(parsed["kid"]).toBe("up-2026-12");
    expect(JSON.parse(sealPayload("{}", key))).toMatchObject({ kid: "up-2026-12" });
  });

  it("sign the last marker: a nested field named sig is covered, not mistaken for the signature", () => {
    const nested = '{"v":1,"data":{"sig":"' + "0".repeat(64) + '"},"x":1.1}';
    const sealed = Buffer.from(sealPayload(nested, key));
    expect(splitSealed(sealed)?.signed.toString()).toBe(`${nested.slice(0, -1)},"kid":"up-2026-12"`);
    expect(verifySealed(sealed, key.key)).toBe(true);
  });

  it("fail for a changed byte, another key, a missing or malformed signature", () => {
    const sealed = Buffer.from(examplePayload);
    expect(verifySealed(Buffer.from(examplePayload.replace("5000", "5001")), key.key)).toBe(false);
    expect(verifySealed(Buffer.from(examplePayload.replace("150.00", "150.0")), key.key)).toBe(false);
    expect(verifySealed(sealed, Buffer.from("another-uplink-key-0123456789abc"))).toBe(false);
    expect(verifySealed(Buffer.from(record), key.key)).toBe(false);
    expect(
      verifySealed(Buffer.from(examplePayload.replace(exampleSig, exampleSig.toUpperCase())), key.key),
    ).toBe(false);
  });

  it("leave the payload as it is without an uplink key", () => {
    expect(sealPayload(record, undefined)).toBe(record);
  });
});
