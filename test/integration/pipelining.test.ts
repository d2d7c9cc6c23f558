/**
 * Pipelining on Modbus TCP over real sockets: the bus scheduler with the lean MBAP client, against a
 * scripted server that counts the requests it holds unanswered, and against the simulator's TCP server.
 * With maxInFlight 1 there is never more than one request on the wire; with more, that many overlap
 * and every reply still reaches its own meter.
 */
import { afterEach, describe, expect, it } from "vitest";
import { SystemClock } from "../../core/clock.ts";
import { BusScheduler } from "../../gateway/bus/scheduler.ts";
import { MbapTcpTransport } from "../../protocols/modbus/transport/mbap-client.ts";
import type { ModbusTransport } from "../../protocols/modbus/transport/transport.ts";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { startSimulator } from "../../simulator/start.ts";
import { waitFor } from "../helpers/index.ts";
import { profiles, startBus } from "../helpers/bus-harness.ts";
import { startMbapPeer } from "../helpers/mbap-peer.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Twelve jobs of two register reads each, all queued at once, on a bus with `maxInFlight`. */
async function twelveJobs(maxInFlight: number) {
  const peer = await startMbapPeer({ replyMs: 5 });
  cleanups.push(() => peer.close());
  const transport = new MbapTcpTransport({ kind: "tcp", host: "127.0.0.1", port: peer.port });
  const scheduler = new BusScheduler<ModbusTransport>(transport, {
    busId: "b1",
    clock: new SystemClock(),
    timeoutMs: 1000,
    interFrameGapMs: 0,
    maxInFlight,
  });
  cleanups.push(() => scheduler.stop());
  const units = Array.from({ length: 12 }, (_, i) => i + 1);
  const results = await Promise.all(
    units.map((unit) =>
      scheduler.enqueue({
        meterId: `m${unit}`,
        priority: "poll",
        retries: 0,
        run: async (tx) => [
          ...(await tx.transact((link, t) => link.readRegisters(unit, 4, 0, 2, t))),
          ...(await tx.transact((link, t) => link.readRegisters(unit, 4, 0x156, 2, t))),
        ],
      }),
    ),
  );
  expect(results).toEqual(units.map((u) => [u * 1000, u * 1000 + 1, u * 1000 + 0x156, u * 1000 + 0x157]));
  expect(peer.requests).toHaveLength(24);
  expect(transport.unmatchedReplies).toBe(0);
  return peer;
}

describe("Modbus TCP pipelining through the bus scheduler", () => {
  it("maxInFlight 1: never two requests outstanding on the wire", async () => {
    const peer = await twelveJobs(1);
    expect(peer.maxOutstanding()).toBe(1);
    // One 12-byte request per read of the server: nothing ever left together.
    expect(new Set(peer.reads)).toEqual(new Set([12]));
  });

  it("maxInFlight 4: four requests outstanding at once, the first four in one write", async () => {
    const peer = await twelveJobs(4);
    expect(peer.maxOutstanding()).toBe(4);
    expect(peer.reads[0]).toBe(48);
  });

  it("maxInFlight 8 against the simulator: every reading is its own meter's", async () => {
    const units = Array.from({ length: 10 }, (_, i) => i + 1);
    const sim = await startSimulator({
      endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
      meters: units.map((unit) => ({
        unit,
        profile: requireProfile(profiles, "generic-prepaid"),
        powerW: 0,
        importEnergyWh: unit * 1_000_000,
      })),
    });
    cleanups.push(() => sim.stop());
    const bus = startBus(
      { kind: "tcp", host: "127.0.0.1", port: sim.port! },
      units.map((unit) => ({ id: `m${unit}`, unit, profile: "generic-prepaid", pollIntervalMs: 100 })),
      { maxInFlight: 8, interFrameGapMs: 0 },
    );
    cleanups.push(() => bus.stop());
    bus.poller.start();
    await waitFor(() => units.every((u) => bus.readings.filter((r) => r.unit === u).length >= 3), {
      timeoutMs: 10_000,
      description: "three readings of every meter",
    });
    for (const reading of bus.readings) expect(reading.values.importEnergyWh).toBe(reading.unit! * 1_000_000);
    for (const unit of units) expect(bus.scheduler.countersFor(`m${unit}`).errors).toEqual({});
  });
});
