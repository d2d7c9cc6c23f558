/**
 * The Modbus driver over the Modbus TCP client on a real socket (a scripted server): each read of a
 * block decodes its own reply, also when two polls of one meter are in flight at once and their
 * replies arrive in one read (the client fills a block's words into an array the driver reuses). The
 * periodic poll's callback form (pollTo, no promise per request) retries and leaves out unsupported
 * optional blocks as the promise form does.
 */
import { afterEach, describe, expect, it } from "vitest";
import { SystemClock } from "../../core/clock.ts";
import { encodeMbap } from "../../protocols/modbus/framing.ts";
import { exceptionPdu, responsePdu } from "../../protocols/modbus/pdu.ts";
import { MbapTcpTransport } from "../../protocols/modbus/transport/mbap-client.ts";
import type { ModbusTransport } from "../../protocols/modbus/transport/transport.ts";
import { parseProfile } from "../../protocols/profiles/load.ts";
import type { ResolvedProfile } from "../../protocols/profiles/resolve.ts";
import { waitFor } from "../../test/helpers/index.ts";
import { startMbapPeer, type MbapPeer } from "../../test/helpers/mbap-peer.ts";
import { BusScheduler, type BusJob } from "../bus/scheduler.ts";
import type { PollResult } from "./driver.ts";
import { ModbusMeterDriver } from "./modbus-driver.ts";

const profile = parseProfile(
  [
    "id: two-words",
    "description: one block of two 16-bit quantities",
    "protocol: modbus",
    "defaults: { fc: 4, type: uint16 }",
    "quantities:",
    "  voltageV: { address: 0 }",
    "  currentA: { address: 1 }",
  ].join("\n"),
  "two-words.yaml",
) as ResolvedProfile;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const withOptional = parseProfile(
  [
    "id: with-optional",
    "description: a block of two quantities and an optional one",
    "protocol: modbus",
    "defaults: { fc: 4, type: uint16 }",
    "quantities:",
    "  voltageV: { address: 0 }",
    "  currentA: { address: 1 }",
    "  frequencyHz: { address: 0x40, optional: true }",
  ].join("\n"),
  "with-optional.yaml",
) as ResolvedProfile;

async function site(timeoutMs = 2000): Promise<{ peer: MbapPeer; scheduler: BusScheduler<ModbusTransport> }> {
  const peer = await startMbapPeer();
  cleanups.push(() => peer.close());
  const client = new MbapTcpTransport({ kind: "tcp", host: "127.0.0.1", port: peer.port });
  cleanups.push(() => client.close());
  const scheduler = new BusScheduler<ModbusTransport>(client, {
    busId: "t1",
    clock: new SystemClock(),
    timeoutMs,
    interFrameGapMs: 0,
    maxInFlight: 2,
  });
  cleanups.push(() => scheduler.stop());
  return { peer, scheduler };
}

/** The reply frame of a held request with the words `words`. */
function replyWith(request: { transactionId: number; unit: number }, words: number[]): Uint8Array {
  const pdu = responsePdu({ kind: "readRegisters", fc: 4, address: 0, count: 2 }, words);
  return encodeMbap(request.transactionId, request.unit, pdu);
}

describe("ModbusMeterDriver on Modbus TCP", () => {
  it("decodes each poll from its own reply when two polls of one meter are answered in one read", async () => {
    const { peer, scheduler } = await site();
    const driver = new ModbusMeterDriver(profile, 3);
    const poll = () =>
      scheduler.enqueue({ meterId: "m3", priority: "poll", retries: 0, run: (tx) => driver.poll(tx) });
    const first = poll();
    await waitFor(() => peer.held().length === 1);
    const [request] = peer.held();
    peer.ignore(request!);
    peer.sendRaw(replyWith(request!, [2300, 5]));
    expect((await first).values).toEqual({ voltageV: 2300, currentA: 5 });
    const [a, b] = [poll(), poll()];
    await waitFor(() => peer.held().length === 2);
    const [requestA, requestB] = peer.held();
    const both = new Uint8Array([...replyWith(requestA!, [2310, 6]), ...replyWith(requestB!, [2320, 7])]);
    for (const request of [requestA!, requestB!]) peer.ignore(request);
    peer.sendRaw(both);
    expect((await a).values).toEqual({ voltageV: 2310, currentA: 6 });
    expect((await b).values).toEqual({ voltageV: 2320, currentA: 7 });
  });

  it("polls through callbacks (pollTo): a request that timed out is retried and the poll flagged retried", async () => {
    const { peer, scheduler } = await site(300);
    const driver = new ModbusMeterDriver(profile, 3);
    const reading = scheduler.enqueue(callbackPoll(driver, 1));
    await waitFor(() => peer.held().length === 1);
    peer.ignore(peer.held()[0]!);
    await waitFor(() => peer.held().length === 1);
    peer.reply(peer.held()[0]!);
    const result = await reading;
    expect(result.values).toEqual({ voltageV: 3000, currentA: 3001 });
    expect(result.flags).toEqual(["retried"]);
  });

  it("polls through callbacks (pollTo): an optional block answered with exception 02 is left out", async () => {
    const { peer, scheduler } = await site();
    const driver = new ModbusMeterDriver(withOptional, 4);
    const reading = scheduler.enqueue(callbackPoll(driver, 0));
    await waitFor(() => peer.held().length === 1);
    peer.reply(peer.held()[0]!);
    await waitFor(() => peer.held().length === 1);
    peer.reply(peer.held()[0]!, { pdu: exceptionPdu(4, 2) });
    const result = await reading;
    expect(result.values).toEqual({ voltageV: 4000, currentA: 4001 });
    expect(result.flags).toEqual(["quantity-missing"]);
    expect(result.missing?.map((m) => [m.quantity, m.exception])).toEqual([["frequencyHz", 2]]);
  });
});

/** A poll job as the poller makes it: reporting through callbacks, flagged `retried` when it was. */
function callbackPoll(driver: ModbusMeterDriver, retries: number): BusJob<ModbusTransport, PollResult> {
  return {
    meterId: `m${driver.unit}`,
    priority: "poll",
    retries,
    run: () => Promise.reject(new Error("the callback form runs instead")),
    runTo: (tx, outcome) => driver.pollTo(tx, outcome),
    finish: (tx, result) => {
      if (tx.retried) result.flags.push("retried");
    },
  };
}
