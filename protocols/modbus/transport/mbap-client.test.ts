/**
 * The lean Modbus TCP client on real sockets against a scripted server (test/helpers/mbap-peer.ts):
 * requests in flight together leave in one write and are matched to their replies by transaction id,
 * whatever order the replies come in; a reply no request waits for is dropped and counted; a timeout
 * fails its own request only; every other outcome has the same code as the modbus-serial transport.
 */
import { Socket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ErrorCode } from "../../../core/errors.ts";
import { waitFor } from "../../../test/helpers/index.ts";
import {
  normalReply,
  startMbapPeer,
  type MbapPeer,
  type MbapPeerOptions,
} from "../../../test/helpers/mbap-peer.ts";
import { encodeMbap } from "../framing.ts";
import { MbapTcpTransport } from "./mbap-client.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function connected(
  options: MbapPeerOptions = {},
): Promise<{ peer: MbapPeer; client: MbapTcpTransport }> {
  const peer = await startMbapPeer(options);
  cleanups.push(() => peer.close());
  const client = new MbapTcpTransport(
    { kind: "tcp", host: "127.0.0.1", port: peer.port },
    { closeTimeoutMs: 200 },
  );
  cleanups.push(() => client.close());
  await client.open();
  return { peer, client };
}

/** How a request ended: its value, or its error code. */
function outcome<T>(request: Promise<T>): Promise<{ value: T } | { code: string | undefined }> {
  return request.then(
    (value) => ({ value }),
    (error: { code?: string }) => ({ code: error.code }),
  );
}

async function heldCount(peer: MbapPeer, count: number) {
  await waitFor(() => peer.held().length === count, { description: `${count} requests at the server` });
  return peer.held();
}

describe("MbapTcpTransport", () => {
  it("sends requests issued together in one write and matches out-of-order replies by transaction id", async () => {
    const { peer, client } = await connected();
    // What the client hands the socket: the three requests must go in one write (one segment).
    const writes = vi.spyOn(Socket.prototype, "write");
    const reads = [1, 2, 3].map((unit) => outcome(client.readRegisters(unit, 4, 10, 2, 2000)));
    const [first, second, third] = await heldCount(peer, 3);
    expect(writes.mock.calls.map(([bytes]) => (bytes as Uint8Array).length)).toEqual([36]);
    writes.mockRestore();
    expect(new Set(peer.requests.map((r) => r.transactionId)).size).toBe(3);
    peer.reply(third!);
    peer.reply(first!);
    peer.reply(second!);
    expect(await Promise.all(reads)).toEqual([
      { value: [1010, 1011] },
      { value: [2010, 2011] },
      { value: [3010, 3011] },
    ]);
    expect(client.unmatchedReplies).toBe(0);
  });

  it("drops and counts a reply for an unknown or timed-out transaction id, never taking it for another", async () => {
    const { peer, client } = await connected();
    const late = await outcome(client.readRegisters(1, 4, 0, 1, 100));
    expect(late).toEqual({ code: ErrorCode.Timeout });
    const [timedOut] = peer.held();
    const next = outcome(client.readRegisters(1, 4, 0, 1, 2000));
    const [, current] = await heldCount(peer, 2);
    // The late reply to the timed-out request, a reply for an id never used, then the real one.
    peer.reply(timedOut!, { pdu: Uint8Array.of(4, 2, 0xde, 0xad) });
    peer.sendRaw(encodeMbap(4242, 1, Uint8Array.of(4, 2, 0xbe, 0xef)));
    peer.reply(current!);
    expect(await next).toEqual({ value: [1000] });
    expect(client.unmatchedReplies).toBe(2);
    expect(client.isOpen).toBe(true);
  });

  it("fails only the request that timed out; its neighbours on the connection are answered", async () => {
    const { peer, client } = await connected();
    const started = performance.now();
    const fast = outcome(client.readRegisters(1, 4, 0, 1, 2000));
    const silent = outcome(client.readRegisters(2, 4, 0, 1, 150));
    const slow = outcome(client.readRegisters(3, 4, 0, 1, 2000));
    const [one, two, three] = await heldCount(peer, 3);
    peer.reply(one!);
    peer.ignore(two!);
    expect(await fast).toEqual({ value: [1000] });
    expect(await silent).toEqual({ code: ErrorCode.Timeout });
    expect(performance.now() - started).toBeLessThan(1500);
    // The neighbour still waiting when its neighbour timed out is answered afterwards.
    peer.reply(three!);
    expect(await slow).toEqual({ value: [3000] });
    expect(client.isOpen).toBe(true);
  });

  it("maps an exception, a reply from another unit and a reply cut short to their codes", async () => {
    const { peer, client } = await connected();
    const exception = client.readRegisters(1, 4, 0, 2, 2000).catch((error: unknown) => error);
    const wrongUnit = outcome(client.readRegisters(2, 4, 0, 2, 2000));
    const short = outcome(client.readRegisters(3, 4, 0, 2, 2000));
    const write = outcome(client.writeCoil(4, 100, true, 2000));
    const [a, b, c, d] = await heldCount(peer, 4);
    peer.reply(a!, { pdu: Uint8Array.of(0x84, 0x02) });
    peer.reply(b!, { unit: 7 });
    peer.reply(c!, { pdu: Uint8Array.of(4, 4, 0, 1) });
    peer.reply(d!);
    expect(await exception).toMatchObject({ code: ErrorCode.ModbusException, modbusCode: 2 });
    expect(await wrongUnit).toEqual({ code: ErrorCode.WrongUnit });
    expect(await short).toEqual({ code: ErrorCode.ShortReply });
    expect(await write).toEqual({ value: undefined });
  });

  it("parses replies split across reads on two connections at once without mixing them", async () => {
    // Every connection reads into one shared buffer: a frame's first part must be kept, not overwritten
    // by the next connection's read.
    const [a, b] = [await connected(), await connected()];
    const reads = [
      outcome(a.client.readRegisters(1, 4, 10, 2, 2000)),
      outcome(b.client.readRegisters(2, 4, 10, 2, 2000)),
    ];
    const replies = [a, b].map(async ({ peer }) => {
      const [request] = await heldCount(peer, 1);
      return encodeMbap(request!.transactionId, request!.unit, normalReply(request!.unit, request!.pdu));
    });
    const [replyA, replyB] = await Promise.all(replies);
    a.peer.sendRaw(replyA!.subarray(0, 9));
    b.peer.sendRaw(replyB!.subarray(0, 5));
    // Lets each part arrive as a read of its own before the rest (coalesced reads would pass as well).
    await new Promise((resolve) => setTimeout(resolve, 30));
    a.peer.sendRaw(replyA!.subarray(9));
    b.peer.sendRaw(replyB!.subarray(5));
    expect(await Promise.all(reads)).toEqual([{ value: [1010, 1011] }, { value: [2010, 2011] }]);
  });

  it("fails every request in flight when the peer closes, and when the stream is garbled", async () => {
    const { peer, client } = await connected();
    const pending = [1, 2].map((unit) => outcome(client.readRegisters(unit, 4, 0, 1, 5000)));
    await heldCount(peer, 2);
    peer.sendRaw(Uint8Array.of(0, 1, 0x12, 0x34, 0, 5, 1, 4, 2, 0, 0));
    expect(await Promise.all(pending)).toEqual([
      { code: ErrorCode.TransportError },
      { code: ErrorCode.TransportError },
    ]);
    expect(client.isOpen).toBe(false);
    for (const request of peer.held()) peer.ignore(request);
    await client.open();
    const again = outcome(client.readRegisters(5, 4, 0, 1, 5000));
    await waitFor(() => peer.held().length === 1);
    await peer.close();
    expect([ErrorCode.ConnectionClosed, ErrorCode.ConnectionReset]).toContain(
      ((await again) as { code?: string }).code,
    );
  });
});
