/**
 * Integration harness for the uplink's gateway side: a real store in a temp dir, the real Uplink, and the
 * real executor and prepaid engine of test/helpers/service-rigs/executor-rig.ts, talking to a real
 * mosquitto from test/helpers. The platform side is test/helpers/platform.ts.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { IClientOptions } from "mqtt";
import { connect } from "mqtt";
import { SystemClock } from "../../../core/clock.ts";
import type { Logger } from "../../../core/logger.ts";
import { silentLogger } from "../../../core/logger.ts";
import type { Store } from "../../../gateway/store/index.ts";
import { openStore } from "../../../gateway/store/index.ts";
import type { MqttUplinkConfigInput } from "../../../gateway/config/mqtt.ts";
import { mqttConfigSchema } from "../../../gateway/config/mqtt.ts";
import { startExecutorRig, type RecordingExecutor } from "../service-rigs/executor-rig.ts";
import { testGatewayId, testKeyText } from "./fixtures.ts";
import { Uplink } from "../../../gateway/uplink/uplink.ts";
import type { MosquittoBroker } from "../index.ts";
import type { Platform } from "../platform.ts";
import { tempDir, waitFor } from "../index.ts";

/** Fast reconnects and polls, so tests do not wait on production defaults. */
export const fastTuning: Partial<MqttUplinkConfigInput> = {
  reconnectMinMs: 100,
  reconnectMaxMs: 1000,
  pollIntervalMs: 50,
  backlogRatePerSec: 5000,
  keepaliveSec: 5,
};

/** A running gateway side. */
export interface GatewayUnderTest {
  readonly uplink: Uplink;
  readonly store: Store;
  readonly executor: RecordingExecutor;
  readonly dataDir: string;
  /** Stops the uplink (offline status, clean disconnect) and closes the store. */
  stop(): Promise<void>;
}

export interface StartGatewayOptions {
  readonly url: string;
  /** Reuse a data dir (a restart); default a new temp dir. */
  readonly dataDir?: string;
  /** Extra `mqtt` keys; `commandKeyFile: undefined` runs without a key. */
  readonly mqtt?: Partial<MqttUplinkConfigInput>;
  /** Called before the uplink starts, e.g. to fill the outbox. */
  readonly before?: (store: Store) => void;
  /** Before each connection attempt (tests hold it to order the reconnect). */
  readonly gate?: () => Promise<void>;
  /** Default: a silent logger. */
  readonly logger?: Logger;
  /** Poll the meters first (see ExecutorRigOptions.polled); default false. */
  readonly polled?: boolean;
  /** Wait until the uplink is connected; default true. */
  readonly waitConnected?: boolean;
}

/** Opens a store, starts the engine (accounts seeded), starts an Uplink and (by default) waits until it is connected. */
export async function startGateway(options: StartGatewayOptions): Promise<GatewayUnderTest> {
  const dataDir = options.dataDir ?? (await tempDir("uplink-gw-")).path;
  const keyFile = join(dataDir, "command.key");
  writeFileSync(keyFile, `${testKeyText}\n`);
  const clock = new SystemClock();
  const store = openStore({ dataDir, clock });
  const rig = startExecutorRig({ store, clock, polled: options.polled === true });
  options.before?.(store);
  const executor = rig.executor;
  const config = mqttConfigSchema.parse({
    url: options.url,
    clientId: `gw-${dataDir.slice(-8)}`,
    commandKeyFile: keyFile,
    ...fastTuning,
    ...options.mqtt,
  });
  const gate = options.gate;
  const uplink = new Uplink({
    config,
    gatewayId: testGatewayId,
    store,
    clock,
    logger: options.logger ?? silentLogger(),
    version: "0.0.0-test",
    statusProvider: () => ({ meters: { total: 2, online: 2, offline: 0 } }),
    executor,
    ...(gate === undefined
      ? {}
      : {
          connect: (url: string, opts: IClientOptions) => {
            const client = connect(url, { ...opts, manualConnect: true });
            void gate().then(() => client.connect());
            return client;
          },
        }),
  });
  await uplink.start();
  if (options.waitConnected !== false)
    await waitFor(() => uplink.connected, { description: "uplink connected" });
  return {
    uplink,
    store,
    executor,
    dataDir,
    async stop() {
      await uplink.stop();
      await rig.stop();
      store.close();
    },
  };
}

/** What an uplink test may have started. */
export interface UplinkTestParts {
  gateway?: GatewayUnderTest | undefined;
  platform?: Platform | undefined;
  broker?: MosquittoBroker | undefined;
}

/** Stops what a test started, in order: the gateway (its errors ignored), the platform client, the broker. */
export async function stopParts(parts: UplinkTestParts): Promise<void> {
  await parts.gateway?.stop().catch(() => undefined);
  await parts.platform?.close();
  await parts.broker?.stop();
}
