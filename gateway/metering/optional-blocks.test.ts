import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { ErrorCode, GatewayError, modbusException } from "../../core/errors.ts";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { isUnsupportedReply, OptionalBlocks } from "./optional-blocks.ts";
import { withRequest } from "./request-error.ts";

const serialBlock = requireProfile(loadProfiles(), "sdm120").blocks.find((b) => b.optional)!;
const exception02 = withRequest(modbusException(0x02), serialBlock) as GatewayError;

describe("which failures of an optional block are tolerated", () => {
  it.each([
    [modbusException(0x01), true],
    [modbusException(0x02), true],
    [modbusException(0x03), true],
    [modbusException(0x04), false],
    [modbusException(0x06), false],
    [modbusException(0x0b), false],
    [new GatewayError(ErrorCode.Timeout, "no reply"), false],
    [new GatewayError(ErrorCode.CrcError, "CRC"), false],
    [new GatewayError(ErrorCode.ShortReply, "short"), false],
    [new Error("boom"), false],
  ])("%s -> %s", (error, tolerated) => {
    expect(isUnsupportedReply(error)).toBe(tolerated);
  });
});

describe("OptionalBlocks", () => {
  it("skips a failed block until the retry interval has passed on the clock", () => {
    const clock = new ManualClock();
    const blocks = new OptionalBlocks(clock, 60_000);
    expect(blocks.skipped(serialBlock)).toBeUndefined();
    const first = blocks.failed(serialBlock, exception02);
    expect(first.missing).toEqual([
      {
        quantity: "serialNumber",
        request: "FC03 0xFC00 x2",
        exception: 2,
        message: "FC03 0xFC00 x2: exception 02 illegal data address",
      },
    ]);
    expect(first.change).toMatchObject({ kind: "missing", quantities: ["serialNumber"], retryMs: 60_000 });
    clock.advance(59_999);
    expect(blocks.skipped(serialBlock)).toEqual(first.missing);
    clock.advance(1);
    expect(blocks.skipped(serialBlock)).toBeUndefined();
    // Still unsupported: skipped again, and not reported a second time.
    expect(blocks.failed(serialBlock, exception02).change).toBeUndefined();
    expect(blocks.skipped(serialBlock)).toBeDefined();
  });

  it("reads again after a failed poll, and reports the block back once it answers", () => {
    const clock = new ManualClock();
    const blocks = new OptionalBlocks(clock, 60_000);
    blocks.failed(serialBlock, exception02);
    blocks.forget();
    expect(blocks.skipped(serialBlock)).toBeUndefined();
    expect(blocks.failed(serialBlock, exception02).change).toBeUndefined();
    blocks.forget();
    expect(blocks.succeeded(serialBlock)).toEqual({
      kind: "back",
      quantities: ["serialNumber"],
      request: "FC03 0xFC00 x2",
    });
    expect(blocks.succeeded(serialBlock)).toBeUndefined();
  });

  it("without a clock (one-shot read or scan) never skips", () => {
    const blocks = new OptionalBlocks(undefined);
    blocks.failed(serialBlock, exception02);
    expect(blocks.skipped(serialBlock)).toBeUndefined();
  });
});
