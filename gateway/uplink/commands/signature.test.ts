import { describe, expect, it } from "vitest";
import { canonicalJson, commandKeyFromText, signCommand, signingInput, verifyCommand } from "./signature.ts";

/** The worked example of docs/mqtt.md, checked against openssl and Python's hmac (independent signers). */
const key = Buffer.from("0123456789abcdef0123456789abcdef");
const example = {
  transaction: "tx-0001-example",
  gatewayId: "site-01",
  issuedAt: 1767614400000,
  expiresAt: 1767614520000,
  account: "A-101",
  amountFen: 5000,
  purchaseSeq: 7,
  paymentRef: "PAY-42",
};
const exampleSignature = "98264a010b77190ae408da837d7a675b530246616bbd7d1b84cf1130309e754d";

describe("canonical form", () => {
  it("sorts keys at every level by UTF-16 code units and drops whitespace (RFC 8785)", () => {
    expect(canonicalJson({ b: 1, a: [{ d: "x", c: null }], B: true, é: "é" })).toBe(
      '{"B":true,"a":[{"c":null,"d":"x"}],"b":1,"é":"é"}',
    );
  });

  it("prefixes the command and leaves the signature out", () => {
    expect(signingInput("topup", { ...example, signature: "ff" })).toBe(
      'topup\n{"account":"A-101","amountFen":5000,"expiresAt":1767614520000,"gatewayId":"site-01",' +
        '"issuedAt":1767614400000,"paymentRef":"PAY-42","purchaseSeq":7,"transaction":"tx-0001-example"}',
    );
  });
});

describe("signatures", () => {
  it("match the documented example", () => {
    expect(signCommand("topup", example, key)).toBe(exampleSignature);
    expect(verifyCommand("topup", { ...example, signature: exampleSignature }, key)).toBe(true);
  });

  it("fail for another command, another key, a changed field or a malformed signature", () => {
    const signed = { ...example, signature: exampleSignature };
    expect(verifyCommand("relay", signed, key)).toBe(false);
    expect(verifyCommand("topup", signed, Buffer.from("another key, 32 characters long!!"))).toBe(false);
    expect(verifyCommand("topup", { ...signed, amountFen: 50000 }, key)).toBe(false);
    expect(verifyCommand("topup", { ...signed, signature: exampleSignature.toUpperCase() }, key)).toBe(false);
    expect(verifyCommand("topup", { ...signed, signature: "abc" }, key)).toBe(false);
    expect(verifyCommand("topup", { ...signed, signature: 42 }, key)).toBe(false);
  });
});

describe("command key", () => {
  it("is the trimmed file content and must be at least 32 characters, without echoing it", () => {
    expect(commandKeyFromText(" 0123456789abcdef0123456789abcdef\n").toString()).toBe(key.toString());
    expect(() => commandKeyFromText("short-secret\n")).toThrow(/12 characters; at least 32/);
    expect(() => commandKeyFromText("short-secret\n")).not.toThrow(/short-secret/);
  });
});
