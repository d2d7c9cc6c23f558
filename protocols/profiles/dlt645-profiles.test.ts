import { describe, expect, it } from "vitest";
import { formatDi } from "../dlt645/index.ts";
import { loadProfiles } from "./io/files.ts";
import { parseProfile, requireDlt645Profile, requireProfile } from "./load.ts";

const registry = loadProfiles();

function inline(...lines: string[]) {
  return () => parseProfile(["id: t", "protocol: dlt645", ...lines].join("\n"), "(inline)");
}

describe("DL/T 645 profiles", () => {
  it("reads the single-phase energy registers in two block requests, the rest DI by DI", () => {
    const profile = requireDlt645Profile(registry, "dlt645-single-phase");
    expect(profile.blocks.map((b) => [formatDi(b.di), b.members.map((m) => m.name)])).toEqual([
      [
        "0001FF00",
        ["importEnergyWh", "importEnergyT1Wh", "importEnergyT2Wh", "importEnergyT3Wh", "importEnergyT4Wh"],
      ],
      [
        "0002FF00",
        ["exportEnergyWh", "exportEnergyT1Wh", "exportEnergyT2Wh", "exportEnergyT3Wh", "exportEnergyT4Wh"],
      ],
    ]);
    expect(profile.singles.map((q) => [q.name, formatDi(q.di), q.optional])).toEqual([
      ["voltageV", "02010100", false],
      ["currentA", "02020100", false],
      ["powerW", "02030000", false],
      ["powerFactor", "02060000", false],
      ["frequencyHz", "02800002", false],
      ["statusWord3", "04000503", false],
      ["coverOpenCount", "03300D00", true],
      ["powerDownCount", "03110000", false],
    ]);
    expect(profile.clock).toEqual({ date: 0x04000101, time: 0x04000102 });
    expect(profile.relay).toEqual({ state: { di: 0x04000503, openBit: 4 } });
  });

  it("reads the three-phase variables per phase, in blocks", () => {
    const profile = requireDlt645Profile(registry, "dlt645-three-phase");
    expect(profile.blocks.map((b) => formatDi(b.di))).toEqual([
      "0001FF00",
      "0002FF00",
      "0201FF00",
      "0202FF00",
      "0203FF00",
      "0206FF00",
    ]);
    expect(profile.singles.map((q) => q.name)).toEqual([
      "frequencyHz",
      "statusWord3",
      "coverOpenCount",
      "powerDownCount",
    ]);
  });

  it("keeps Modbus and DL/T 645 profiles apart when looked up for a driver", () => {
    expect(() => requireProfile(registry, "dlt645-single-phase")).toThrow(
      "profile 'dlt645-single-phase' is a dlt645 profile, not modbus",
    );
    expect(() => requireDlt645Profile(registry, "sdm120")).toThrow(
      "profile 'sdm120' is a modbus profile, not dlt645",
    );
  });

  it("refuses DIs the codec has no format for, units that do not match, and blocks that do not fit", () => {
    expect(inline("quantities: { voltageV: { di: '12345678' } }")).toThrow(
      "(inline): quantities.voltageV.di: DI 12345678 is not in the DL/T 645 table",
    );
    expect(inline("quantities: { voltageV: { di: '00010000' } }")).toThrow(
      "quantities.voltageV.di: DI 00010000 reads 'Wh', but voltageV is in 'V'",
    );
    expect(inline("quantities: { importEnergyWh: { di: '00010000', optional: true } }")).toThrow(
      "importEnergyWh is billed and cannot be optional",
    );
    expect(inline("quantities: { importEnergyWh: { di: '0001FF00' } }")).toThrow(
      "DI 0001FF00 is a block; list it under blocks",
    );
    expect(
      inline(
        "quantities: { importEnergyWh: { di: '00010000' }, voltageV: { di: '02010100' } }",
        "blocks: [{ di: '0001FF00', quantities: [importEnergyWh, voltageV] }]",
      ),
    ).toThrow("blocks[0].quantities[1]: voltageV (DI 02010100) is not in the block's format");
    expect(inline("quantities: { energy: { di: '00010000' } }")).toThrow("unknown quantity 'energy'");
    expect(inline("quantities: { importEnergyWh: { di: '1' } }")).toThrow("a DI is 8 hexadecimal digits");
  });
});
