import { describe, expect, it } from "vitest";
import { ErrorCode, GatewayError, modbusException } from "../../core/errors.ts";
import { describeRequest, naming, withRequest } from "./request-error.ts";

const serial = { fc: 3, address: 0xfc00, count: 2 };

describe("naming the request of a Modbus error", () => {
  it("writes a request as FC, hex address and count", () => {
    expect(describeRequest(serial)).toBe("FC03 0xFC00 x2");
    expect(describeRequest({ fc: 4, address: 0x156, count: 76 })).toBe("FC04 0x0156 x76");
    expect(describeRequest({ fc: 5, address: 0, count: 1 })).toBe("FC05 0x0000 x1");
  });

  it.each([
    [modbusException(0x02, { unit: 1 }), "FC03 0xFC00 x2: exception 02 illegal data address"],
    [modbusException(0x0b), "FC03 0xFC00 x2: exception 0B gateway target device failed to respond"],
    [new GatewayError(ErrorCode.Timeout, "no reply from unit 1"), "FC03 0xFC00 x2: no reply from unit 1"],
    [new GatewayError(ErrorCode.CrcError, "unit 1: CRC error"), "FC03 0xFC00 x2: unit 1: CRC error"],
  ])("keeps the code and context, names the request: %s", (error, message) => {
    const named = withRequest(error, serial) as GatewayError;
    expect(named.message).toBe(message);
    expect(named.code).toBe(error.code);
    expect(named.modbusCode).toBe(error.modbusCode);
    expect(named.context).toMatchObject({ ...error.context, request: "FC03 0xFC00 x2", address: 0xfc00 });
  });

  it("leaves link failures and foreign errors as they are", () => {
    const closed = new GatewayError(ErrorCode.PortClosed, "tcp 10.0.0.5:502: port not open");
    expect(withRequest(closed, serial)).toBe(closed);
    const plain = new Error("boom");
    expect(withRequest(plain, serial)).toBe(plain);
  });

  it("rethrows a failed exchange with the request named", async () => {
    await expect(naming(serial, () => Promise.reject(modbusException(0x02)))).rejects.toThrow(
      "FC03 0xFC00 x2: exception 02 illegal data address",
    );
    await expect(naming(serial, () => Promise.resolve([1, 2]))).resolves.toEqual([1, 2]);
  });
});
