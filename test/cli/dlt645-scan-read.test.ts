/**
 * `scan --protocol dlt645` and `read --protocol dlt645` as a technician runs them, against DL/T 645
 * meters on the far end of a real pty pair.
 */
import { afterEach, describe, expect, it } from "vitest";
import { encodePassword, type FieldValue } from "../../protocols/dlt645/index.ts";
import { startResponder, type Dlt645Responder, type ResponderMeter } from "../helpers/dlt645-responder.ts";
import { createPtyPair, gatewayCli, runCli, type PtyPair } from "../helpers/index.ts";

function meterAt(address: string, phases: 1 | 3): ResponderMeter {
  const values = new Map<number, FieldValue[]>([
    [0x0001ff00, [5_000_000, 1_000_000, 2_000_000, 1_500_000, 500_000]],
    [0x0002ff00, [0, 0, 0, 0, 0]],
    [0x02010100, [229.7]],
    [0x02020100, [5.123]],
    [0x02030000, [1176.3]],
    [0x02060000, [0.998]],
    [0x02800002, [49.98]],
    [0x03300d00, [3]],
    [0x03110000, [17]],
    [0x04000101, [{ year: 2026, month: 1, day: 5, weekday: 1 }]],
    [0x04000102, [{ hour: 20, minute: 0, second: 7 }]],
  ]);
  if (phases === 3) {
    values.set(0x0201ff00, [229.7, 230.2, 231]);
    values.set(0x0202ff00, [5.123, 4, 3.5]);
    values.set(0x0203ff00, [3000, 1176.3, 900, 923.7]);
    values.set(0x0206ff00, [0.998, 0.998, 0.99, 0.995]);
  }
  return {
    address,
    values,
    refused: new Set(),
    splitAt: new Map(),
    passwordBytes: encodePassword("000000"),
    relayOpen: false,
    faults: [],
  };
}

let pty: PtyPair | undefined;
let responder: Dlt645Responder | undefined;
afterEach(async () => {
  await responder?.close();
  await pty?.close();
  responder = undefined;
  pty = undefined;
});

async function line(meters: ResponderMeter[]): Promise<PtyPair> {
  pty = await createPtyPair();
  responder = await startResponder(pty.b, meters);
  return pty;
}

describe("meter-gateway scan and read --protocol dlt645", () => {
  it("reads every quantity of one meter with its unit", async () => {
    const { a } = await line([meterAt("000000001668", 1)]);
    const out = await runCli(gatewayCli, [
      "read",
      "--protocol",
      "dlt645",
      "--serial",
      a,
      "--address",
      "000000001668",
    ]);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`meter 000000001668 (dlt645-single-phase) on ${a} 2400 8E1`);
    for (const line of [
      /importEnergyWh\s+5000000 Wh \(5000\.000 kWh\)/,
      /importEnergyT2Wh\s+2000000 Wh \(2000\.000 kWh\)/,
      /voltageV\s+229\.7 V/,
      /currentA\s+5\.123 A/,
      /powerW\s+1176\.3 W/,
      /powerFactor\s+0\.998/,
      /frequencyHz\s+49\.98 Hz/,
      /statusWord3\s+0x0000/,
      /coverOpenCount\s+3/,
      /powerDownCount\s+17/,
      /meterClockMs\s+20\d\d-\d\d-\d\dT/,
      /relay\s+closed \(supply on\)/,
    ])
      expect(out.stdout).toMatch(line);
  });

  it("finds the one meter on the line with the wildcard read-address", async () => {
    const { a } = await line([meterAt("000000001668", 1)]);
    const out = await runCli(gatewayCli, ["scan", "--protocol", "dlt645", "--serial", a]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/000000001668\s+dlt645-single-phase\s+229\.7 V\s+5000000 Wh/);
    expect(out.stdout).toContain("1 meter(s) found");
  });

  it("says the wildcard replies collided when several meters share the line", async () => {
    const { a } = await line([meterAt("000000000001", 1), meterAt("000000000002", 1)]);
    const out = await runCli(gatewayCli, ["scan", "--protocol", "dlt645", "--serial", a, "--timeout", "300"]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain("several meters probably answered the wildcard at once");
  });

  it("probes a list of addresses and ranges, and tells single-phase from three-phase meters", async () => {
    const { a } = await line([meterAt("000000000002", 1), meterAt("000000001668", 3)]);
    const out = await runCli(gatewayCli, [
      "scan",
      "--protocol",
      "dlt645",
      "--serial",
      a,
      "--address",
      "000000000001-000000000003,000000001668",
      "--timeout",
      "300",
      "--json",
    ]);
    expect(out.code).toBe(0);
    const found = (JSON.parse(out.stdout) as { found: Array<{ address: string; profile: string }> }).found;
    expect(found.map((h) => [h.address, h.profile])).toEqual([
      ["000000000002", "dlt645-single-phase"],
      ["000000001668", "dlt645-three-phase"],
    ]);
  });

  it("refuses a malformed address with the reason", async () => {
    const out = await runCli(gatewayCli, [
      "read",
      "--protocol",
      "dlt645",
      "--serial",
      "/dev/null",
      "--address",
      "12345",
    ]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("--address must be 12 digits (got '12345', 5 digits)");
  });
});
