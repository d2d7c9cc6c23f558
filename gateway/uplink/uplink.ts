/**
 * The MQTT uplink: one broker connection at a time, rebuilt after every loss with jittered exponential
 * backoff. Each connection is a fresh MQTT.js client with reconnectPeriod 0, so nothing MQTT.js kept in
 * memory outlives it: the outbox is the only backlog. On connect: retained `online` status, the command
 * subscription (persistent session), pending meter states, then outbox delivery (live first, backlog
 * paced). On stop: retained `offline` status, then a clean DISCONNECT (so the broker drops the last will).
 */
import type { MqttClient } from "mqtt";
import { connectMqtt } from "./mqtt-connect.ts";
import type { TimerHandle } from "../../core/clock.ts";
import { backoffDelayMs } from "./backoff.ts";
import { CommandResponder } from "./command-responder.ts";
import type { MqttUplinkConfig } from "../config/mqtt.ts";
import { uplinkSettings } from "../config/mqtt.ts";
import { clientOptions, readUplinkFiles } from "./client-options.ts";
import type { PublishChannel } from "./delivery.ts";
import { OutboxDelivery } from "./delivery.ts";
import { HistoryService } from "./history.ts";
import { EpochCheck } from "./epoch-check.ts";
import { EpochBook } from "./epochs.ts";
import { MeterStates } from "./meter-states.ts";
import type { MeterState } from "./retained-topics.ts";
import { StatusReporter } from "./status-reporter.ts";
import { gatewayTopics, isPublishableTopic, type GatewayTopics } from "./topics.ts";
import { withDeadline } from "../../core/deadline.ts";
import { redactedUrl, timedOut } from "./uplink-text.ts";
import type { KeyRing } from "./keys/key-ring.ts";
import { describeKeyRing, readKeyRing, sameKeyRing } from "./keys/key-ring.ts";
import { sealBytes, sealPayload } from "./keys/seal.ts";
import type { UplinkOptions } from "./uplink-options.ts";
import { uplinkCommandHandler } from "./uplink-commands.ts";

export type { UplinkOptions };

/** How long stop() waits for the `offline` status PUBACK and the DISCONNECT, ms. */
const stopTimeoutMs = 3000;

export class Uplink {
  private client: MqttClient | undefined;
  private stopped = false;
  private attempt = 0;
  private reconnectTimer: TimerHandle | undefined;
  private pollTimer: TimerHandle | undefined;
  private parts:
    | {
        delivery: OutboxDelivery;
        responder: CommandResponder;
        status: StatusReporter;
        epochCheck: EpochCheck;
        history: HistoryService;
      }
    | undefined;
  /** The database's stream epochs; reloaded when the epoch check starts a new one. */
  private epochs: EpochBook | undefined;
  private readonly meterStates = new MeterStates();
  private keys: KeyRing = { commandKeys: [] };
  /** Signs a serialised message with the uplink key in force at the moment it is published. */
  private readonly seal = (json: string): string => sealPayload(json, this.keys.uplinkKey);

  constructor(private readonly options: UplinkOptions) {}

  private topicNames: GatewayTopics | undefined;

  /** Built once: a meter state's topic is looked up for every publish. */
  private get topics(): GatewayTopics {
    return (this.topicNames ??= gatewayTopics(this.options.config.topicPrefix, this.options.gatewayId));
  }

  private get settings() {
    return uplinkSettings(this.options.config);
  }

  /** True while a broker connection is up. */
  get connected(): boolean {
    return this.client?.connected === true && !this.stopped;
  }

  /** The delivery engine (for status and tests); undefined before start(). */
  get delivery(): OutboxDelivery | undefined {
    return this.parts?.delivery;
  }

  /**
   * Reads the key, password and TLS files and starts connecting; resolves without waiting for the broker
   * (being offline is normal: the outbox keeps everything).
   * @throws GatewayError(ConfigInvalid) when a file named in the config cannot be read.
   */
  start(): Promise<void> {
    if (this.parts !== undefined || this.stopped) return Promise.resolve();
    const { config, gatewayId, store, clock, logger } = this.options;
    const settings = this.settings;
    const files = readUplinkFiles({ passwordFile: config.passwordFile, tls: config.tls });
    this.keys = readKeyRing(config);
    if (this.keys.commandKeys.length === 0)
      logger.warn("mqtt.commandKeys is not set: every command will be refused");
    const epochs = (this.epochs = new EpochBook(store.streamEpochs.list()));
    const book = () => this.epochs ?? epochs;
    const delivery = new OutboxDelivery({
      epochOf: (id) => book().epochOf(id),
      ...{ outbox: store.outbox, clock, logger, gatewayId, topics: this.topics },
      window: settings.window,
      batchSize: settings.batchSize,
      backlogRatePerSec: settings.backlogRatePerSec,
      onPublishError: (error) => {
        logger.warn({ err: error.message }, "uplink publish failed; reconnecting");
        this.client?.end(true);
      },
    });
    const history = new HistoryService({
      ...{ store, clock, logger, gatewayId, topics: this.topics, book },
      channel: () => (this.connected && this.client ? this.channelOf(this.client) : undefined),
    });
    const handler = uplinkCommandHandler({
      ...{ options: this.options, settings, topics: this.topics, history },
      commandKeys: () => this.keys.commandKeys,
    });
    const startedAt = { wallMs: clock.now(), monoMs: clock.monotonicMs() };
    const currentEpoch = () => book().current.epoch;
    const status = new StatusReporter({
      ...this.options,
      topics: this.topics,
      delivery,
      ...{ startedAt, currentEpoch, seal: this.seal, keys: () => describeKeyRing(this.keys) },
    });
    const epochCheck = new EpochCheck({
      ...{ store, clock, logger, topics: this.topics, book },
      epochsChanged: () => (this.epochs = new EpochBook(store.streamEpochs.list())),
    });
    const responder = new CommandResponder(handler, this.topics, logger, this.seal);
    this.parts = { delivery, responder, status, epochCheck, history };
    this.connectNow(files);
    this.schedulePoll();
    return Promise.resolve();
  }

  /** The keys in force (ids for status and events; bytes for signing). */
  get keyRing(): KeyRing {
    return this.keys;
  }

  /**
   * Reads the key files of `config` again (SIGHUP) and puts them in force for the next request and the
   * next publish. On any unreadable or short key the keys in force stay and the error is thrown.
   * @returns whether anything changed
   * @throws GatewayError(ConfigInvalid) naming the config key and the file
   */
  reloadKeys(config: Pick<MqttUplinkConfig, "commandKeyFile" | "commandKeys" | "uplinkKey">): boolean {
    const next = readKeyRing(config);
    if (sameKeyRing(next, this.keys)) return false;
    this.keys = next;
    return true;
  }

  /** New outbox records were committed: publish them now instead of at the next poll. */
  outboxChanged(): void {
    this.parts?.delivery.outboxChanged();
  }

  /** Publishes the retained state of one meter (latest wins; kept and sent on reconnect while offline). */
  publishMeterState(meterId: string, state: MeterState): void {
    const topic = this.topics.meterState(meterId);
    if (!isPublishableTopic(topic) || meterId.includes("/")) {
      this.options.logger.warn({ meterId }, "meter id cannot be a topic level; state not published");
      return;
    }
    const payload = this.seal(JSON.stringify({ v: 1, gatewayId: this.options.gatewayId, meterId, ...state }));
    this.meterStates.set(topic, payload);
    if (this.connected && this.client !== undefined) this.meterStates.flush(this.client);
  }

  /** Publishes `offline` (retained), disconnects cleanly and stops reconnecting. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const { clock } = this.options;
    for (const timer of [this.reconnectTimer, this.pollTimer])
      if (timer !== undefined) clock.clearTimeout(timer);
    const parts = this.parts;
    parts?.status.stopTimer();
    parts?.history.stop();
    parts?.delivery.endSession();
    const client = this.client;
    if (client?.connected === true && parts !== undefined) {
      try {
        await withDeadline(
          clock,
          parts.status.publishOffline(client),
          stopTimeoutMs,
          timedOut(stopTimeoutMs),
        );
        await withDeadline(clock, client.endAsync(), stopTimeoutMs, timedOut(stopTimeoutMs));
      } catch (error) {
        this.options.logger.warn({ err: (error as Error).message }, "uplink did not close cleanly");
        client.end(true);
      }
    } else {
      client?.end(true);
    }
    parts?.delivery.flushAcks();
    this.options.logger.info("uplink stopped");
  }

  private connectNow(files: ReturnType<typeof readUplinkFiles>): void {
    if (this.stopped || this.parts === undefined) return;
    const { config, gatewayId, logger } = this.options;
    const options = clientOptions({
      config,
      settings: this.settings,
      clientId: config.clientId ?? `mg-${gatewayId}`,
      files,
      will: {
        topic: this.topics.status,
        payload: this.seal(JSON.stringify(this.parts.status.offline("connection-lost"))),
      },
      persistentSession: true,
    });
    const client = (this.options.connect ?? connectMqtt)(config.url, options);
    this.client = client;
    client.on("connect", (connack) => {
      if (this.client !== client || this.stopped) return;
      this.attempt = 0;
      logger.info(
        { url: redactedUrl(config.url), sessionPresent: connack.sessionPresent },
        "uplink connected",
      );
      this.onConnect(client);
    });
    client.on("message", (topic, payload, packet) => {
      if (this.client === client) this.parts?.responder.onMessage(client, topic, payload, packet);
    });
    // Only the message: an error object may carry the connect options, and with them the password.
    client.on("error", (error) => logger.warn({ err: error.message }, "uplink connection error"));
    let closed = false;
    client.on("close", () => {
      if (this.client !== client || closed) return;
      closed = true;
      this.parts?.delivery.endSession();
      this.parts?.status.stopTimer();
      client.end(true);
      if (this.stopped) return;
      const delayMs = backoffDelayMs(
        this.attempt++,
        { minMs: this.settings.reconnectMinMs, maxMs: this.settings.reconnectMaxMs },
        this.options.random ?? Math.random,
      );
      logger.info({ delayMs, attempt: this.attempt }, "uplink disconnected; reconnecting");
      this.reconnectTimer = this.options.clock.setTimeout(() => this.connectNow(files), delayMs);
    });
  }

  private onConnect(client: MqttClient): void {
    const { status, epochCheck } = this.parts!;
    client.subscribe(this.topics.requestFilter, { qos: 1 }, (error) => {
      if (error) this.options.logger.error({ err: error.message }, "could not subscribe to commands");
    });
    this.meterStates.flush(client);
    // No record goes out before the database is compared with what the broker last saw (epoch-check.ts).
    const intervalMs = this.settings.statusIntervalSec * 1000;
    void epochCheck
      .run(client, () => status.startTimer(client, intervalMs))
      .then(() => this.startDelivery(client));
  }

  private startDelivery(client: MqttClient): void {
    if (this.client !== client || !client.connected || this.stopped) return;
    this.parts!.delivery.startSession(this.channelOf(client));
  }

  /** QoS 1 publishing over `client` while it is the current, connected one. */
  private channelOf(client: MqttClient): PublishChannel {
    return {
      publish: (topic, payload, done) => {
        if (this.client !== client || !client.connected) return done(new Error("not connected"));
        const sealed =
          typeof payload === "string" ? this.seal(payload) : sealBytes(payload, this.keys.uplinkKey);
        client.publish(topic, sealed, { qos: 1 }, (error) => done(error ?? undefined));
      },
    };
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.pollTimer = this.options.clock.setTimeout(() => {
      if (this.connected) this.parts?.delivery.outboxChanged();
      this.schedulePoll();
    }, this.settings.pollIntervalMs);
  }
}
