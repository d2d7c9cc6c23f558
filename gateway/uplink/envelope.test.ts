/** The published envelope: the stored payload JSON spliced in as `body` gives the same text as a round trip. */
import { describe, expect, it } from "vitest";
import { buildEnvelope, envelopeJson } from "./envelope.ts";

describe("envelopeJson", () => {
  it("is the text of the envelope built from the parsed payload, byte for byte", () => {
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
    const stored = { ...head, createdMonoMs: 12.9, deliveredAtMs: null, payloadJson };
    const parsed = {
      ...head,
      createdMonoMs: 12.9,
      deliveredAtMs: null,
      payload: JSON.parse(payloadJson) as unknown,
    };
    for (const historical of [false, true]) {
      expect(envelopeJson(stored, "gw-1", historical, "e1")).toBe(
        JSON.stringify(buildEnvelope(parsed, "gw-1", historical, "e1")),
      );
    }
  });
});
