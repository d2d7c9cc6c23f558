/**
 * Integration harness for the uplink: a gateway side (real store in a temp dir, the real Uplink, the real
 * executor and prepaid engine of gateway/service/testing/executor-rig.ts) and a platform side ({@link Platform}: an MQTT client that records every message under the
 * gateway's topics and sends signed commands). Both talk to a real mosquitto from test/helpers.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { IClientOptions, MqttClient } from "mqtt";
import { connect } from "mqtt";
import { SystemClock } from "../../../core/clock.ts";
import type { Logger } from "../../../core/logger.ts";
import { silentLogger } from "../../../core/logger.ts";
import type { Store } from "../../../gateway/store/index.ts";
import { openStore } from "../../../gateway/store/index.ts";
import type { MqttUplinkConfigInput } from "../../../gateway/uplink/config.ts";
import { mqttConfigSchema } from "../../../gateway/uplink/config.ts";
import type { CommandResponse } from "../../../gateway/uplink/commands/response.ts";
import { startExecutorRig, type RecordingExecutor } from "../../../gateway/service/testing/executor-rig.ts";
import { testGatewayId, testKeyText } from "../../../gateway/uplink/testing/fixtures.ts";
import { Uplink } from "../../../gateway/uplink/uplink.ts";
import type { MosquittoBroker } from "../../helpers/index.ts";
import { tempDir, waitFor } from "../../helpers/index.ts";

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

/** A received message. */
export interface Received {
  readonly topic: string;
  readonly payload: Record<string, unknown>;
  readonly retain: boolean;
  readonly correlationData?: Buffer;
}

/** The platform side: records every message under `mg/{gatewayId}/#` and sends commands. */
export class Platform {
  readonly messages: Received[] = [];

  private constructor(readonly client: MqttClient) {}

  /** Connects (clean session, quick reconnect with resubscribe) and subscribes to `filter`. */
  static async connect(
    url: string,
    tls: IClientOptions = {},
    filter = `mg/${testGatewayId}/#`,
  ): Promise<Platform> {
    const client = connect(url, { protocolVersion: 5, reconnectPeriod: 50, clean: true, ...tls });
    client.on("error", () => undefined);
    const platform = new Platform(client);
    client.on("message", (topic, payload, packet) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(payload.toString()) as Record<string, unknown>;
      } catch {
        parsed = { raw: payload.toString() };
      }
      platform.messages.push({
        topic,
        payload: parsed,
        retain: packet.retain,
        ...(packet.properties?.correlationData ? { correlationData: packet.properties.correlationData } : {}),
      });
    });
    await waitFor(() => client.connected, { description: "platform client connected" });
    await client.subscribeAsync(filter, { qos: 1 });
    return platform;
  }

  /** Messages on `mg/{gatewayId}/{suffix}`. */
  on(suffix: string): Received[] {
    return this.messages.filter((m) => m.topic === `mg/${testGatewayId}/${suffix}`);
  }

  /** Resolves when `predicate` holds for the recorded messages. */
  async until<T>(predicate: () => T, description: string, timeoutMs = 10_000): Promise<void> {
    await waitFor(predicate, { description, timeoutMs, intervalMs: 20 });
  }

  /** Publishes a request (raw bytes or an object) and resolves with the response for its transaction. */
  async request(command: string, request: unknown, transaction?: string): Promise<CommandResponse> {
    const before = this.on(`response/${command}`).length;
    const body = typeof request === "string" || Buffer.isBuffer(request) ? request : JSON.stringify(request);
    await this.client.publishAsync(`mg/${testGatewayId}/request/${command}`, body, { qos: 1 });
    const tx = transaction ?? (request as { transaction?: unknown })?.transaction;
    let found: CommandResponse | undefined;
    await this.until(() => {
      const responses = this.on(`response/${command}`).slice(before);
      found = responses
        .map((r) => r.payload as unknown as CommandResponse)
        .find((r) => typeof tx !== "string" || r.transaction === tx);
      return found;
    }, `response to ${command}`);
    return found!;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
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
