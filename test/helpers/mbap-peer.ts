/**
 * A scripted Modbus TCP server on a real socket (127.0.0.1), for tests of a client's pipelining: it
 * records every read it gets (how requests were grouped into writes), every request frame, and the
 * most requests it held unanswered at once; it answers each request after `replyMs`, or holds them all
 * for the test to answer in any order, with any transaction id, or not at all.
 * Register `a` of unit `u` reads `u * 1000 + a`; a coil write is echoed.
 */
import { createServer, type Server, type Socket } from "node:net";
import { MbapFramer, encodeMbap, type MbapFrame } from "../../protocols/modbus/framing.ts";
import { parseRequestPdu, responsePdu, exceptionPdu } from "../../protocols/modbus/pdu.ts";
import { LOOPBACK, freePort } from "./ports.ts";

export interface MbapPeerOptions {
  /** Answer every request this many ms after it arrived, in arrival order; undefined: hold them. */
  replyMs?: number;
}

export interface MbapPeer {
  readonly port: number;
  /** Size of every read of the server, bytes, in order: one write of the client is usually one read. */
  readonly reads: number[];
  /** Every request frame received, in order. */
  readonly requests: MbapFrame[];
  /** Requests received and not answered yet (held, or waiting for their replyMs). */
  held(): MbapFrame[];
  /** The most requests that were received and unanswered at the same time. */
  maxOutstanding(): number;
  /** Answers `request` (default: its normal reply) with its own transaction id or `transactionId`. */
  reply(request: MbapFrame, options?: { pdu?: Uint8Array; transactionId?: number; unit?: number }): void;
  /** Sends raw bytes on every connection. */
  sendRaw(bytes: Uint8Array): void;
  /** Drops `request` without answering it. */
  ignore(request: MbapFrame): void;
  close(): Promise<void>;
}

/** The normal reply PDU to a request PDU (register `a` of unit `u` reads `u * 1000 + a`). */
export function normalReply(unit: number, pdu: Uint8Array): Uint8Array {
  const parsed = parseRequestPdu(pdu);
  if (!parsed.ok) return exceptionPdu(parsed.fc, parsed.exception);
  const request = parsed.request;
  if (request.kind === "readRegisters")
    return responsePdu(
      request,
      Array.from({ length: request.count }, (_, i) => unit * 1000 + request.address + i),
    );
  if (request.kind === "readBits")
    return responsePdu(
      request,
      Array.from({ length: request.count }, (_, i) => i % 2 === 0),
    );
  return responsePdu(request);
}

export async function startMbapPeer(options: MbapPeerOptions = {}): Promise<MbapPeer> {
  const sockets = new Set<Socket>();
  const reads: number[] = [];
  const requests: MbapFrame[] = [];
  const waiting = new Map<MbapFrame, Socket>();
  let maxOutstanding = 0;
  const answer = (request: MbapFrame, bytes: Uint8Array) => {
    const socket = waiting.get(request);
    waiting.delete(request);
    if (socket !== undefined && !socket.destroyed) socket.write(bytes);
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    const framer = new MbapFramer((frame) => {
      requests.push(frame);
      waiting.set(frame, socket);
      maxOutstanding = Math.max(maxOutstanding, waiting.size);
      const replyMs = options.replyMs;
      if (replyMs === undefined) return;
      setTimeout(
        () => answer(frame, encodeMbap(frame.transactionId, frame.unit, normalReply(frame.unit, frame.pdu))),
        replyMs,
      );
    });
    socket.on("data", (chunk: Buffer) => {
      reads.push(chunk.length);
      framer.push(chunk);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LOOPBACK, () => resolve());
  });
  return {
    port,
    reads,
    requests,
    held: () => [...waiting.keys()],
    maxOutstanding: () => maxOutstanding,
    reply(request, reply = {}) {
      const pdu = reply.pdu ?? normalReply(request.unit, request.pdu);
      answer(
        request,
        encodeMbap(reply.transactionId ?? request.transactionId, reply.unit ?? request.unit, pdu),
      );
    },
    sendRaw(bytes) {
      for (const socket of sockets) socket.write(bytes);
    },
    ignore(request) {
      waiting.delete(request);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
