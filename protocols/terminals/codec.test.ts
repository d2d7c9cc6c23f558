import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../core/errors.ts";
import { decodeBlock, decodeEntry, encodeBlock, encodeEntry } from "./codec.ts";
import { loadTerminalProfiles } from "./io/files.ts";
import { parseTerminalProfile } from "./profile.ts";

const profile = loadTerminalProfiles().get("generic-terminal")!;

describe("terminal profiles", () => {
  it("places the shipped profile's blocks as documented in docs/terminals.md", () => {
    expect(profile.display).toMatchObject({ address: 0x0000, count: 0x20 });
    expect(profile.answer).toMatchObject({ address: 0x0020, count: 0x11 });
    expect(profile.input).toMatchObject({ address: 0x0040, count: 0x18 });
    expect(profile.ack).toBe(0x0058);
  });

  it("names the field of a bad profile", () => {
    const bad = `id: t\ndescription: x\ndisplay: { balanceFen: 0, alarm: 1, supply: 2, cutAtS: 3, priceE4: 5, sequence: 7, message: { address: 8, chars: 8 } }
answer: { status: 0x20, entryId: 0x21, balanceFen: 0x23, reason: { address: 0x25, chars: 8 } }
input: { pending: 0x40, entryId: 0x41, kind: 0x43, token: { address: 0x44, chars: 12 }, amountFen: 0x4e, reference: { address: 0x50, chars: 8 } }
ack: 0x58\n`;
    expect(() => parseTerminalProfile(bad, "t.yaml")).toThrow(/input\.token: a token field holds 20 digits/);
    const overlapping = bad.replace("chars: 12", "chars: 20").replace("cutAtS: 3", "cutAtS: 2");
    try {
      parseTerminalProfile(overlapping, "t.yaml");
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({
        code: ErrorCode.ProfileInvalid,
        message: /display.cutAtS: overlaps display.supply/,
      });
    }
  });
});

describe("terminal codec", () => {
  it("writes the balance as int32 high word first and text two characters a register", () => {
    const words = encodeBlock(profile.display, { balanceFen: -150, alarm: 2, message: "Top up" });
    expect(words.slice(0, 3)).toEqual([0xffff, 0xff6a, 2]);
    expect(words.slice(0x10, 0x14)).toEqual([0x546f, 0x7020, 0x7570, 0]);
    expect(decodeBlock(profile.display, words)).toMatchObject({
      balanceFen: -150,
      alarm: 2,
      message: "Top up",
    });
  });

  it("shows non-ASCII characters as '?' and cuts text to the field", () => {
    const words = encodeBlock(profile.answer, { reason: "余额 low and a reason longer than the field" });
    expect(decodeBlock(profile.answer, words)["reason"]).toBe("?? low and a reason long");
  });

  it("reads a keypad entry back as the terminal queued it", () => {
    const token = { entryId: 70_000, kind: "token" as const, token: "12345678901234567890" };
    expect(decodeEntry(profile, encodeEntry(profile, token, 2))).toEqual(token);
    const purchase = { entryId: 3, kind: "purchase" as const, amountFen: 5000, reference: "card-77" };
    expect(decodeEntry(profile, encodeEntry(profile, purchase, 1))).toEqual(purchase);
    expect(decodeEntry(profile, encodeEntry(profile, undefined, 0))).toBeUndefined();
  });
});
