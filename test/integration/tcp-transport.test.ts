/**
 * The Modbus TCP transport against hostile peers on real sockets (issue 10, defect 3): every step
 * (connect, request, close) ends within its bound with a named code, whatever the peer does.
 */
import { afterEach, describe, expect, it } from "vitest";
import { SystemClock } from "../../core/clock.ts";
import { ErrorCode } from "../../core/errors.ts";
import { BusScheduler } from "../../gateway/bus/scheduler.ts";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import { startHostilePeer, type HostileBehaviour } from "../helpers/hostile-tcp.ts";
import { waitFor } from "../helpers/index.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function transportTo(behaviour: HostileBehaviour, kind: "tcp" | "rtu-over-tcp" = "tcp") {
  const peer = await startHostilePeer(behaviour);
  cleanups.push(() => peer.close());
  // The transports `run` uses: the lean MBAP client for tcp, modbus-serial for rtu-over-tcp.
  const transport = modbusTransportFactory(
    { kind, host: "127.0.0.1", port: peer.port },
    { closeTimeoutMs: 300 },
  );
  cleanups.push(() => transport.close());
  return { peer, transport };
}

/** Runs `step` and returns how it ended and how long it took, ms. */
async function timed(step: () => Promise<unknown>): Promise<{ code: string | undefined; ms: number }> {
  const started = performance.now();
  try {
    await step();
    return { code: undefined, ms: performance.now() - started };
  } catch (error) {
    return { code: (error as { code?: string }).code, ms: performance.now() - started };
  }
}

describe.each(["tcp", "rtu-over-tcp"] as const)("%s transport", (kind) => {
  it("a peer that accepts and closes: the request fails at once as a closed (or reset) connection", async () => {
    const { transport } = await transportTo("accept-close", kind);
    const result = await timed(() => transport.readRegisters(1, 4, 0, 2, 2000));
    expect([ErrorCode.ConnectionClosed, ErrorCode.ConnectionReset]).toContain(result.code);
    expect(result.ms).toBeLessThan(1000);
    expect(transport.isOpen).toBe(false);
    // Closing what the peer already closed returns at once (it used to wait forever for a callback).
    expect((await timed(() => transport.close())).ms).toBeLessThan(100);
  });

  it("a peer that resets on the first request: CONNECTION_RESET without waiting for the timeout", async () => {
    const { transport, peer } = await transportTo("reset", kind);
    const result = await timed(() => transport.readRegisters(1, 4, 0, 2, 2000));
    expect(result.code).toBe(ErrorCode.ConnectionReset);
    expect(result.ms).toBeLessThan(1000);
    expect(peer.bytesReceived()).toBeGreaterThan(0);
  });

  it("a peer that never answers and ignores our FIN: TIMEOUT, then close within its bound", async () => {
    const { transport } = await transportTo("silent", kind);
    const request = await timed(() => transport.readRegisters(1, 4, 0, 2, 300));
    expect(request.code).toBe(ErrorCode.Timeout);
    expect(request.ms).toBeLessThan(300 + 500);
    const close = await timed(() => transport.close());
    expect(close.code).toBeUndefined();
    expect(close.ms).toBeGreaterThanOrEqual(250);
    expect(close.ms).toBeLessThan(300 + 500);
  });
});

it("a bus stops within its grace period while a request with a long timeout waits on a silent peer", async () => {
  const { transport, peer } = await transportTo("silent");
  const scheduler = new BusScheduler(transport, {
    busId: "b1",
    clock: new SystemClock(),
    timeoutMs: 20_000,
    interFrameGapMs: 0,
    stopGraceMs: 500,
  });
  const request = scheduler.enqueue({
    meterId: "m1",
    priority: "poll",
    retries: 0,
    run: (tx) => tx.transact((link, t) => link.readRegisters(1, 4, 0, 2, t)),
  });
  const outcome = request.then(
    () => "resolved",
    (error: { code?: string }) => error.code,
  );
  await waitFor(() => peer.bytesReceived() > 0, { description: "the request on the wire" });
  const stop = await timed(() => scheduler.stop());
  // Grace 500 ms, then the link is closed under the request: a polite close of at most 300 ms.
  expect(stop.ms).toBeLessThan(500 + 300 + 300);
  expect(await outcome).toBe(ErrorCode.PortClosed);
  expect(scheduler.busCounters.state).not.toBe("down");
});
