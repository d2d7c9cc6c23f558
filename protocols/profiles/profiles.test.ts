import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeRegisters } from "../modbus/registers.ts";
import { decodeBlock } from "./decode.ts";
import { parseProfile, requireProfile } from "./load.ts";
import { loadProfiles } from "./io/files.ts";

describe("shipped profiles", () => {
  const registry = loadProfiles();

  it("ships sdm120, sdm630, dtsu666, generic-prepaid and the two DL/T 645 profiles", () => {
    expect([...registry.keys()].sort()).toEqual([
      "dlt645-single-phase",
      "dlt645-three-phase",
      "dtsu666",
      "generic-prepaid",
      "sdm120",
      "sdm630",
    ]);
  });

  it("reads the SDM120's adjacent input registers in one request, the optional serial number last", () => {
    const blocks = requireProfile(registry, "sdm120").blocks.map((b) => [
      b.fc,
      b.address,
      b.count,
      b.optional,
    ]);
    expect(blocks).toEqual([
      [4, 0x0000, 0x4c, false],
      [4, 0x0156, 2, false],
      [3, 0xfc00, 2, true],
    ]);
  });

  it("marks the serial number optional wherever it is mapped, and nothing else", () => {
    for (const profile of registry.values()) {
      if (profile.protocol !== "modbus") continue;
      const optional = profile.quantities.filter((q) => q.optional).map((q) => q.name);
      const mapsSerial = profile.quantities.some((q) => q.name === "serialNumber");
      expect(optional, profile.id).toEqual(mapsSerial ? ["serialNumber"] : []);
    }
  });

  it("describes the generic-prepaid relay as coil 0 read with FC 01 and written with FC 05", () => {
    expect(requireProfile(registry, "generic-prepaid").relay).toEqual({
      state: { fc: 1, address: 0, onValue: 1 },
      command: { fc: 5, address: 0, on: 1, off: 0 },
    });
  });

  it("turns DTSU666 scaled units and float kWh into V, A, W and integer Wh", () => {
    const profile = requireProfile(registry, "dtsu666");
    const block = profile.blocks.find((b) => b.address === 0x2006)!;
    const registers = new Array<number>(block.count).fill(0);
    const put = (address: number, value: number) =>
      registers.splice(
        address - block.address,
        2,
        ...encodeRegisters(value, { type: "float32", wordOrder: "big", byteOrder: "big" }),
      );
    put(0x2006, 2301); // 230.1 V
    put(0x200c, 5250); // 5.25 A
    put(0x2012, 12075); // 1207.5 W
    const values = decodeBlock(block, registers);
    expect(values.voltageL1V).toBeCloseTo(230.1, 5);
    expect(values.currentL1A).toBeCloseTo(5.25, 5);
    expect(values.powerW).toBeCloseTo(1207.5, 5);
    const energy = profile.blocks.find((b) => b.address === 0x401e)!;
    const eRegs = new Array<number>(energy.count).fill(0);
    eRegs.splice(0, 2, ...encodeRegisters(1234.567, { type: "float32", wordOrder: "big", byteOrder: "big" }));
    expect(decodeBlock(energy, eRegs).importEnergyWh).toBe(1234567);
  });
});

describe("profile validation", () => {
  it("plans each optional quantity as a request of its own, never read over by a required one", () => {
    const profile = parseProfile(
      [
        "id: gaps",
        "maxGapRegisters: 40",
        "quantities:",
        "  voltageV: { address: 0 }",
        "  currentA: { address: 2, optional: true }",
        "  powerW: { address: 4 }",
        "  frequencyHz: { address: 6, optional: true }",
        "  importEnergyWh: { address: 8, scale: 1000 }",
      ].join("\n"),
      "(inline)",
    );
    if (profile.protocol !== "modbus") throw new Error("expected a Modbus profile");
    expect(
      profile.blocks.map((b) => [b.address, b.count, b.optional, b.quantities.map((q) => q.name)]),
    ).toEqual([
      [0, 2, false, ["voltageV"]],
      [4, 2, false, ["powerW"]],
      [8, 2, false, ["importEnergyWh"]],
      [2, 2, true, ["currentA"]],
      [6, 2, true, ["frequencyHz"]],
    ]);
  });

  it("refuses an optional importEnergyWh: a reading without it would bill nothing", () => {
    const text = "id: bad\nquantities:\n  importEnergyWh: { address: 0, optional: true }\n";
    expect(() => parseProfile(text, "(inline)")).toThrow(
      /quantities\.importEnergyWh\.optional: importEnergyWh is billed and cannot be optional/,
    );
  });

  it("names the bad fields", () => {
    const text = "id: bad\nquantities:\n  voltageV: { address: 70000 }\n  wattsW: { address: 1 }\n";
    expect(() => parseProfile(text, "(inline)")).toThrow(
      /quantities\.voltageV\.address.*quantities\.wattsW: unknown quantity 'wattsW'/s,
    );
  });

  it("loads user profiles from a directory and lets them override a shipped one", () => {
    const dir = mkdtempSync(join(tmpdir(), "profiles-"));
    writeFileSync(
      join(dir, "my-meter.yaml"),
      "id: my-meter\nquantities:\n  powerW: { fc: 3, address: 10, type: int32, wordOrder: little, scale: 0.1 }\n",
    );
    writeFileSync(join(dir, "sdm120.yaml"), "id: sdm120\nquantities:\n  powerW: { address: 12 }\n");
    const registry = loadProfiles(dir);
    expect(requireProfile(registry, "my-meter").quantities[0]).toMatchObject({
      fc: 3,
      type: "int32",
      wordOrder: "little",
      scale: 0.1,
    });
    expect(requireProfile(registry, "sdm120").quantities).toHaveLength(1);
    expect(() => requireProfile(registry, "nope")).toThrow(/unknown profile 'nope' \(known: .*sdm630/);
  });
});
