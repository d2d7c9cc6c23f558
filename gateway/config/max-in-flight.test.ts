/** `buses[].maxInFlight`: requests in flight per Modbus TCP connection, 1 unless the bus says more. */
import { describe, expect, it } from "vitest";
import { parseConfig } from "./parse.ts";
import { parseOptions, yamlLines } from "../../test/helpers/config/parse-options.ts";

function parse(bus: string) {
  return parseConfig(
    yamlLines(
      "gateway: { id: gw, dataDir: /d }",
      "buses:",
      `  - ${bus}`,
      "meters:",
      "  - { id: m1, bus: b1, unit: 1, profile: sdm120 }",
    ),
    parseOptions,
  );
}

describe("buses[].maxInFlight", () => {
  it("defaults to 1 on TCP buses and takes 1..64 on transport tcp", () => {
    const plain = parse("{ id: b1, transport: tcp, host: h }");
    expect(plain.ok && plain.config.buses[0]).toMatchObject({ maxInFlight: 1 });
    const converter = parse("{ id: b1, transport: rtu-over-tcp, host: h }");
    expect(converter.ok && converter.config.buses[0]).toMatchObject({ maxInFlight: 1 });
    const eight = parse("{ id: b1, transport: tcp, host: h, maxInFlight: 8 }");
    expect(eight.ok && eight.config.buses[0]).toMatchObject({ maxInFlight: 8 });
  });

  it.each([
    ["{ id: b1, transport: tcp, host: h, maxInFlight: 65 }", "maxInFlight must be between 1 and 64 (got 65)"],
    ["{ id: b1, transport: tcp, host: h, maxInFlight: 0 }", "maxInFlight must be between 1 and 64 (got 0)"],
    [
      "{ id: b1, transport: rtu-over-tcp, host: h, maxInFlight: 4 }",
      "maxInFlight must be 1 on transport 'rtu-over-tcp' (got 4): RTU frames carry no transaction id, " +
        "and the RS-485 line behind the converter takes one request at a time",
    ],
    [
      "{ id: b1, transport: rtu, path: /dev/ttyUSB0, maxInFlight: 4 }",
      "maxInFlight applies only to transport 'tcp' or 'rtu-over-tcp' (this bus is 'rtu')",
    ],
  ])("%s is refused: %s", (bus, message) => {
    const result = parse(bus);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors.map((e) => [e.path, e.message])).toEqual([
      ["buses[0].maxInFlight", message],
    ]);
  });
});
