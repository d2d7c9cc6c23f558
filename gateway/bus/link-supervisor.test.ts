/**
 * The link supervisor as a state machine on a ManualClock: reopen backoff without sleeping, what makes
 * a bus up or down, and the silent-connection rule. The link is an in-memory stand-in; the real
 * transports are driven against real sockets and ptys in test/integration and test/faults.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { LinkSupervisor, type LinkSupervisorOptions } from "./link-supervisor.ts";

/** A link whose opens fail while `present` is false (an unplugged adapter). */
class MemoryLink {
  readonly description = "memory link";
  present = true;
  opens = 0;
  closes = 0;
  isOpen = false;

  open(): Promise<void> {
    this.opens += 1;
    if (!this.present)
      return Promise.reject(new GatewayError(ErrorCode.PortNotFound, "serial device /dev/x does not exist"));
    this.isOpen = true;
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closes += 1;
    this.isOpen = false;
    return Promise.resolve();
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function setup(options: Partial<LinkSupervisorOptions> = {}) {
  const clock = new ManualClock();
  const link = new MemoryLink();
  const states: string[] = [];
  const supervisor = new LinkSupervisor(link, {
    busId: "b1",
    clock,
    onBusState: (state, error) => states.push(error === undefined ? state : `${state} ${error.code}`),
    ...options,
  });
  return { clock, link, states, supervisor };
}

const closed = () =>
  new GatewayError(ErrorCode.ConnectionClosed, "memory link: connection closed by the peer");
const timeout = () => new GatewayError(ErrorCode.Timeout, "no reply from unit 1");

describe("LinkSupervisor", () => {
  it("is up only once the link carried a reply, not when it merely opened", async () => {
    const { supervisor, states } = setup();
    await supervisor.ensureOpen();
    expect(states).toEqual([]);
    expect(supervisor.counters.state).toBe("unknown");
    supervisor.replied();
    expect(states).toEqual(["up"]);
  });

  it("goes down with the reason, fails jobs at once during the backoff, and reopens by itself: 1, 2, 4 ... 30 s", async () => {
    const { supervisor, link, clock, states } = setup();
    link.present = false;
    await expect(supervisor.ensureOpen()).rejects.toMatchObject({ code: ErrorCode.PortNotFound });
    expect(states).toEqual(["down PORT_NOT_FOUND"]);
    // A job during the backoff fails with the same reason without touching the port.
    await expect(supervisor.ensureOpen()).rejects.toMatchObject({ code: ErrorCode.PortNotFound });
    expect(link.opens).toBe(1);
    const attemptsAt: number[] = [];
    for (let t = 0; t < 120_000; t += 100) {
      const before = link.opens;
      clock.advance(100);
      await settle();
      if (link.opens > before) attemptsAt.push(clock.monotonicMs());
    }
    expect(attemptsAt.slice(0, 6)).toEqual([1000, 3000, 7000, 15_000, 31_000, 61_000]);
    expect(attemptsAt[6]).toBe(91_000);
    expect(supervisor.counters.errors["PORT_NOT_FOUND"]).toBe(link.opens);
    expect(supervisor.counters.downSinceMs).toBeDefined();
  });

  it("calls the reopen listeners when the link is back, and a reply resets the backoff", async () => {
    const { supervisor, link, clock, states } = setup();
    let reopened = 0;
    supervisor.onReopen(() => (reopened += 1));
    link.present = false;
    await supervisor.ensureOpen().catch(() => {});
    clock.advance(1000);
    await settle();
    link.present = true;
    clock.advance(2000);
    await settle();
    expect(link.isOpen).toBe(true);
    expect(reopened).toBe(1);
    supervisor.replied();
    expect(states).toEqual(["down PORT_NOT_FOUND", "up"]);
    expect(supervisor.counters.downSinceMs).toBeUndefined();
    // The next failure starts the backoff from 1 s again.
    await supervisor.requestFailed(closed());
    expect(supervisor.counters.reopenAtMono).toBe(clock.monotonicMs() + 1000);
  });

  it("closes the link on a closed connection and counts it per bus", async () => {
    const { supervisor, link, states } = setup();
    await supervisor.ensureOpen();
    supervisor.replied();
    const e = await supervisor.requestFailed(closed());
    expect(e.code).toBe(ErrorCode.ConnectionClosed);
    expect(link.isOpen).toBe(false);
    expect(states).toEqual(["up", "down CONNECTION_CLOSED"]);
    expect(supervisor.counters.errors).toEqual({ CONNECTION_CLOSED: 1 });
  });

  it("drops a TCP connection as silent after N requests in a row with no byte back", async () => {
    const { supervisor, link } = setup({ silentAfterTimeouts: 3 });
    await supervisor.ensureOpen();
    expect((await supervisor.requestFailed(timeout())).code).toBe(ErrorCode.Timeout);
    expect((await supervisor.requestFailed(timeout())).code).toBe(ErrorCode.Timeout);
    // Any answer in between (here an exception) proves the connection carries replies.
    await supervisor.requestFailed(new GatewayError(ErrorCode.ModbusException, "exception 02"));
    expect((await supervisor.requestFailed(timeout())).code).toBe(ErrorCode.Timeout);
    expect((await supervisor.requestFailed(timeout())).code).toBe(ErrorCode.Timeout);
    expect(link.isOpen).toBe(true);
    const third = await supervisor.requestFailed(timeout());
    expect(third.code).toBe(ErrorCode.ConnectionSilent);
    expect(third.message).toMatch(/no reply to the last 3 requests on this connection/);
    expect(link.isOpen).toBe(false);
    expect(supervisor.counters.state).toBe("down");
  });

  it("never drops a serial line for silence (the meters' problem, not the port's)", async () => {
    const { supervisor, link } = setup();
    await supervisor.ensureOpen();
    for (let i = 0; i < 10; i++)
      expect((await supervisor.requestFailed(timeout())).code).toBe(ErrorCode.Timeout);
    expect(link.isOpen).toBe(true);
  });

  it("stops reopening once stopped", async () => {
    const { supervisor, link, clock } = setup();
    link.present = false;
    await supervisor.ensureOpen().catch(() => {});
    await supervisor.stop();
    clock.advance(60_000);
    await settle();
    expect(link.opens).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
    await expect(supervisor.ensureOpen()).rejects.toMatchObject({ code: ErrorCode.PortClosed });
  });
});
