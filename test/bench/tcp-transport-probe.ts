/**
 * CPU per Modbus TCP request of one transport alone, without the rest of the gateway: the FC 04
 * block (76 registers) read from 125 simulated units in a simulator process of its own, `inFlight`
 * requests at a time on one connection, 500 warm-up requests per lane, then 3,000 measured. The
 * simulator runs compiled, as in the bench (buildChildren).
 * Prints CPU µs per request (this process's user + system) and requests per second.
 *
 * Usage: node --import tsx test/bench/tcp-transport-probe.ts <lean|modbus-serial> [inFlight=1]
 */
import { MbapTcpTransport } from "../../protocols/modbus/transport/mbap-client.ts";
import { ModbusSerialTransport } from "../../protocols/modbus/transport/modbus-serial.ts";
import type { ModbusTransport } from "../../protocols/modbus/transport/transport.ts";
import { buildChildren, startChild } from "./common.ts";

const kind = process.argv[2] === "modbus-serial" ? "modbus-serial" : "lean";
const inFlight = Number(process.argv[3] ?? "1");
const units = 125;

buildChildren();
const sim = startChild("sim-child.ts", ["1", String(units), "generic-prepaid"]);
const port = Number((await sim.ready).split(",")[0]);
const endpoint = { kind: "tcp" as const, host: "127.0.0.1", port };
const transport: ModbusTransport =
  kind === "lean" ? new MbapTcpTransport(endpoint) : new ModbusSerialTransport(endpoint);
try {
  await transport.open();
  /** `perLane` requests on each of `inFlight` lanes, each lane one request at a time. */
  const run = (perLane: number) =>
    Promise.all(
      Array.from({ length: inFlight }, async (_, lane) => {
        for (let i = 0; i < perLane; i++)
          await transport.readRegisters(1 + ((lane * 7 + i) % units), 4, 0, 76, 1000);
      }),
    );
  await run(500);
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  await run(3000);
  const cpu = process.cpuUsage(cpuStart);
  const seconds = (performance.now() - started) / 1000;
  const requests = 3000 * inFlight;
  process.stdout.write(
    `${kind}, ${inFlight} in flight: ${((cpu.user + cpu.system) / requests).toFixed(1)} µs CPU/request, ` +
      `${(requests / seconds).toFixed(0)} requests/s\n`,
  );
} finally {
  await transport.close();
  await sim.stop();
}
