/**
 * The uplink's reconnect schedule on a ManualClock against a real mosquitto: a refused connection is
 * retried only when the clock reaches its backoff delay (doubling, capped), and a connection that came
 * up and was lost starts the backoff from the first step again. The connection attempts are real I/O,
 * awaited by their positive signal (the reconnect timer being armed); no test waits for time to pass.
 */
import type { IClientOptions } from "mqtt";
import { connect } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { startMosquitto, waitFor, type MosquittoBroker } from "../../test/helpers/index.ts";
import { ManualClock } from "../../core/clock.ts";
import { silentLogger } from "../../core/logger.ts";
import { TempStores } from "../../test/helpers/store/temp-store.ts";
import { mqttConfigSchema } from "../config/mqtt.ts";
import { startExecutorRig } from "../../test/helpers/service-rigs/executor-rig.ts";
import { testGatewayId } from "../../test/helpers/uplink/fixtures.ts";
import { Uplink } from "./uplink.ts";

const temp = new TempStores();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  temp.cleanup();
});

/** Far beyond every reconnect delay here (11.5 s in all), so the earliest timer is the reconnect timer. */
const pollIntervalMs = 60_000;

function startUplink(broker: MosquittoBroker) {
  const clock = new ManualClock();
  const store = temp.open({ clock });
  let attempts = 0;
  const rig = startExecutorRig({ store, clock });
  cleanups.push(() => rig.stop());
  const uplink = new Uplink({
    config: mqttConfigSchema.parse({
      url: broker.url,
      clientId: `gw-reconnect-${process.pid}`,
      reconnectMinMs: 1000,
      reconnectMaxMs: 8000,
      pollIntervalMs,
      statusIntervalSec: 3600,
    }),
    gatewayId: testGatewayId,
    store,
    clock,
    logger: silentLogger(),
    version: "0.0.0-test",
    statusProvider: () => ({ meters: { total: 0, online: 0, offline: 0 } }),
    executor: rig.executor,
    // The lowest delay of each step (step / 2), so the schedule is exact.
    random: () => 0,
    connect: (url: string, options: IClientOptions) => {
      attempts += 1;
      return connect(url, options);
    },
  });
  cleanups.push(() => uplink.stop());
  /** Waits until the connection in hand failed and a reconnect timer is armed beside the poll timer. */
  const reconnectDelay = () =>
    waitFor(() => (clock.pendingTimers() > 1 ? clock.msToNextTimer() : undefined), {
      description: "the reconnect timer",
      timeoutMs: 3000,
      intervalMs: 5,
    });
  return { clock, uplink, attempts: () => attempts, reconnectDelay };
}

describe("Uplink reconnects on the clock", () => {
  // Two broker starts and stops (each bounded at 10 s by the helper) are real I/O: on a machine loaded
  // by parallel suites they once took more than the default 30 s; alone the test takes well under 1 s.
  it(
    "retries a refused broker after 0.5, 1, 2, 4, 4 s of the clock, and starts over after a lost connection",
    { timeout: 60_000 },
    async () => {
      const broker = await startMosquitto();
      cleanups.push(() => broker.stop());
      await broker.stop();
      const { clock, uplink, attempts, reconnectDelay } = startUplink(broker);
      await uplink.start();
      const delays: number[] = [];
      for (let i = 0; i < 5; i++) {
        const delay = await reconnectDelay();
        delays.push(delay);
        const before = attempts();
        clock.advance(delay - 1);
        expect(attempts(), "no attempt before the delay is over").toBe(before);
        clock.advance(1);
        expect(attempts()).toBe(before + 1);
      }
      expect(delays).toEqual([500, 1000, 2000, 4000, 4000]);

      // The broker is back: the next attempt connects. Lost again, the backoff starts from 0.5 s.
      await broker.restart();
      const delay = await reconnectDelay();
      clock.advance(delay);
      await waitFor(() => uplink.connected, {
        description: "uplink connected",
        timeoutMs: 3000,
        intervalMs: 5,
      });
      await broker.stop();
      // The loss is seen when the socket closes, which may come after the broker process is gone.
      await waitFor(() => !uplink.connected, {
        description: "connection lost",
        timeoutMs: 3000,
        intervalMs: 5,
      });
      expect(await reconnectDelay()).toBe(500);
    },
  );
});
