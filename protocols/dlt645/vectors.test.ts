// Codec test vectors as byte literals (issue 12 "Must show": codec tests from byte literals).
import { describe, expect, it } from "vitest";
import { isGatewayError, ErrorCode } from "../../core/errors.ts";
import {
  MultiFrameRead,
  RelayCommand,
  buildBroadcastTime,
  buildFollowUpRequest,
  buildReadAddressRequest,
  buildReadRequest,
  buildRelayControl,
  buildSecuredRelayControl,
  decodeDataValues,
  decodeFrame,
  findDataId,
  parseReadAddressReply,
  parseReadReply,
  parseRelayReply,
  parseRequest,
  readFrame,
  type Dlt645Frame,
} from "./index.ts";

const hex = (text: string) => Uint8Array.from(text.split(" ").map((b) => Number.parseInt(b, 16)));
const show = (bytes: Uint8Array) =>
  [...bytes].map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join(" ");
const meter = "000000000001";

describe("DL/T 645 request vectors", () => {
  it("reads total forward energy of 000000000001 exactly as DOMAIN.md section 5 writes it", () => {
    expect(show(buildReadRequest(meter, 0x00010000))).toBe(
      "FE FE FE FE 68 01 00 00 00 00 00 68 11 04 33 33 34 33 B3 16",
    );
  });
  it("reads the address with the AAAAAAAAAAAA wildcard", () => {
    expect(show(buildReadAddressRequest())).toBe("FE FE FE FE 68 AA AA AA AA AA AA 68 13 00 DF 16");
  });
  it("broadcasts the time 2026-12-01 18:30:00 to 999999999999 as ss mm hh DD MM YY", () => {
    const frame = buildBroadcastTime({ year: 2026, month: 12, day: 1, hour: 18, minute: 30, second: 0 });
    expect(show(frame)).toBe("FE FE FE FE 68 99 99 99 99 99 99 68 08 06 33 63 4B 34 45 59 27 16");
  });
  it("trips with level 02, password 123456 low byte first, operator 00000001, valid until 2026-12-02 00:00", () => {
    const frame = buildRelayControl({
      address: meter,
      level: 2,
      password: "123456",
      operatorCode: "00000001",
      command: RelayCommand.trip,
      validUntil: { year: 2026, month: 12, day: 2, hour: 0, minute: 0, second: 0 },
    });
    expect(show(frame)).toBe(
      "FE FE FE FE 68 01 00 00 00 00 00 68 1C 10 35 89 67 45 34 33 33 33 4D 33 33 33 33 35 45 59 20 16",
    );
  });
  it("sends the password as written when the meter wants that order", () => {
    const frame = buildRelayControl({
      address: meter,
      level: 2,
      password: "123456",
      passwordOrder: "as-written",
      operatorCode: "00000001",
      command: RelayCommand.trip,
      validUntil: { year: 2026, month: 12, day: 2, hour: 0, minute: 0, second: 0 },
    });
    expect(show(frame.subarray(14, 18))).toBe("35 45 67 89");
  });
  it("forwards an ESAM block and MAC unchanged after PA P0..P2 C0..C3", () => {
    const frame = buildSecuredRelayControl(
      {
        address: meter,
        level: 98,
        password: "000000",
        operatorCode: "00000001",
        ciphertext: hex("01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10"),
        mac: hex("AA BB CC DD"),
      },
      { wakeUpBytes: 0 },
    );
    const decoded = decodeFrame(frame);
    expect(decoded.data.length).toBe(28);
    expect(show(decoded.data)).toBe(
      "98 00 00 00 01 00 00 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 AA BB CC DD",
    );
  });
  it("numbers the first follow-up 1", () => {
    expect(show(buildFollowUpRequest(meter, 0x0001ff00, 1))).toBe(
      "FE FE FE FE 68 01 00 00 00 00 00 68 12 05 33 32 34 33 34 E8 16",
    );
  });
});

describe("DL/T 645 reply vectors", () => {
  it("decodes the read-address reply of meter 202312150001", () => {
    const frame = decodeFrame(hex("FE FE FE FE 68 01 00 15 12 23 20 68 93 06 34 33 48 45 56 53 71 16"));
    expect(frame.address).toBe("202312150001");
    expect(parseReadAddressReply(frame)).toBe("202312150001");
  });
  it("decodes an error reply 0xD1 with 02 as 'no requested data'", () => {
    const frame = decodeFrame(hex("FE FE FE FE 68 01 00 00 00 00 00 68 D1 01 35 D8 16"));
    const reply = parseReadReply(frame, { address: meter, di: 0x00010000 });
    expect(reply).toEqual({
      kind: "error",
      error: { errorByte: 0x02, reasons: ["no-data"], message: "no requested data" },
    });
  });
  it("accepts 0x9C and treats any 0xDC as a refused relay command", () => {
    expect(
      parseRelayReply(decodeFrame(hex("FE FE FE FE 68 01 00 00 00 00 00 68 9C 00 6D 16")), meter),
    ).toEqual({
      kind: "ok",
    });
    const refused = parseRelayReply(
      decodeFrame(hex("FE FE FE FE 68 01 00 00 00 00 00 68 DC 01 37 E5 16")),
      meter,
    );
    expect(refused.kind === "error" && refused.error.reasons).toEqual(["unauthorised"]);
  });
  it("assembles the 0001FF00 block from 0xB1 + 0x12 follow-up + 0x92 into Wh", () => {
    const read = new MultiFrameRead(meter, 0x0001ff00);
    const first = read.accept(
      decodeFrame(
        hex(
          "FE FE FE FE 68 01 00 00 00 00 00 68 B1 10 33 32 34 33 89 67 45 33 33 33 34 33 33 33 35 33 61 16",
        ),
      ),
    );
    expect(first.kind).toBe("follow-up");
    if (first.kind !== "follow-up") return;
    expect(first.sequence).toBe(1);
    expect(first.frame).toEqual({ address: meter, control: 0x12, data: hex("00 FF 01 00 01") });
    const last = read.accept(
      decodeFrame(
        hex("FE FE FE FE 68 01 00 00 00 00 00 68 92 0D 33 32 34 33 33 33 36 33 89 67 39 33 34 9B 16"),
      ),
    );
    expect(last.kind).toBe("complete");
    if (last.kind !== "complete") return;
    expect(last.frames).toBe(2);
    const values = decodeDataValues(findDataId(0x0001ff00)!, last.payload);
    expect(values).toEqual([1_234_560, 100_000, 200_000, 300_000, 634_560]);
  });
  it("decodes a reply whose address and masked data hold 68 and 16 (signed power -63.3568 kW)", () => {
    const frame = decodeFrame(hex("FE FE FE FE 68 68 16 00 00 00 00 68 91 07 33 33 36 35 9B 68 16 D0 16"));
    expect(frame.address).toBe("000000001668");
    const reply = parseReadReply(frame, { address: "000000001668", di: 0x02030000 });
    expect(reply.kind).toBe("data");
    if (reply.kind !== "data") return;
    expect(decodeDataValues(findDataId(0x02030000)!, reply.payload)).toEqual([-63_356.8]);
  });
  it("rejects a reply from another meter as WRONG_UNIT and a bad checksum as CRC_ERROR", () => {
    const other = decodeFrame(hex("FE FE FE FE 68 01 00 15 12 23 20 68 93 06 34 33 48 45 56 53 71 16"));
    expect(() => parseReadReply(other, { address: meter, di: 0x00010000 })).toThrow(
      expect.objectContaining({ code: ErrorCode.WrongUnit }) as Error,
    );
    try {
      decodeFrame(hex("FE FE FE FE 68 01 00 00 00 00 00 68 D1 01 35 D9 16"));
      expect.unreachable();
    } catch (error) {
      expect(isGatewayError(error, ErrorCode.CrcError)).toBe(true);
    }
  });
});

describe("DL/T 645 meter side", () => {
  it("parses the requests it will answer", () => {
    const read: Dlt645Frame = readFrame(meter, 0x04000503);
    expect(parseRequest(read)).toEqual({
      kind: "read",
      address: meter,
      di: 0x04000503,
      extra: new Uint8Array(0),
    });
    const trip = parseRequest(
      decodeFrame(
        hex(
          "FE FE FE FE 68 01 00 00 00 00 00 68 1C 10 35 89 67 45 34 33 33 33 4D 33 33 33 33 35 45 59 20 16",
        ),
      ),
    );
    expect(trip).toMatchObject({ kind: "relay-control", level: 2, operatorCode: "00000001" });
    if (trip.kind !== "relay-control") return;
    expect(show(trip.passwordBytes)).toBe("56 34 12");
    expect(show(trip.body)).toBe("1A 00 00 00 00 02 12 26");
    const time = parseRequest(
      decodeFrame(hex("FE FE FE FE 68 99 99 99 99 99 99 68 08 06 33 63 4B 34 45 59 27 16")),
    );
    expect(time).toEqual({
      kind: "broadcast-time",
      address: "999999999999",
      time: { year: 2026, month: 12, day: 1, hour: 18, minute: 30, second: 0 },
    });
  });
});
