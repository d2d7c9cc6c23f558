/**
 * The published envelope: the stored payload JSON spliced in as `body` gives the same bytes as a round
 * trip, and sealing those bytes gives the same bytes as sealing the text.
 */
import { describe, expect, it } from "vitest";
import { buildEnvelope, envelopeBytes } from "./envelope.ts";
import { sealBytes, sealPayload, verifySealed } from "./keys/seal.ts";

describe("envelopeBytes", () => {
  it("is the UTF-8 text of the envelope built from the parsed payload, byte for byte, sealed or not", () => {
    const payload = {
      kind: "readings",
      readings: [
        { meterId: 'm\u00e9-1 "a"\n', values: { powerW: 1234.5, importEnergyWh: 1e21, small: 5e-7 } },
      ],
      empty: {},
      list: [null, true, -0, "\u2028"],
    };
    const payloadJson = JSON.stringify(payload);
    const head = { id: 7, stream: "readings", seq: 3, key: "k-3", createdAtMs: 1_767_225_600_000 };
    const stored = {
      ...head,
      createdMonoMs: 12.9,
      deliveredAtMs: null,
      payloadJson: Buffer.from(payloadJson),
    };
    const parsed = {
      ...head,
      createdMonoMs: 12.9,
      deliveredAtMs: null,
      payload: JSON.parse(payloadJson) as unknown,
    };
    const key = { id: "k\u00e9-2", key: Buffer.alloc(32, 7) };
    for (const historical of [false, true]) {
      const text = JSON.stringify(buildEnvelope(parsed, "gw-1", historical, "e1"));
      const bytes = envelopeBytes(stored, "gw-1", historical, "e1");
      expect(bytes.toString("utf8")).toBe(text);
      expect(bytes.equals(Buffer.from(text))).toBe(true);
      expect(sealBytes(bytes, undefined)).toBe(bytes);
      const sealed = sealBytes(bytes, key);
      expect(sealed.toString("utf8")).toBe(sealPayload(text, key));
      expect(verifySealed(sealed, key.key)).toBe(true);
    }
  });
});
