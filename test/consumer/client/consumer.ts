/**
 * A billing platform's consumer of one gateway, written against docs/mqtt.md and docs/schemas/ only:
 * a persistent MQTT 5 session (section 3.2) on the gateway's topics; every message validated against its
 * published schema; stream records deduplicated and their gaps tracked per (gateway, stream, epoch);
 * `billing` records rebuilt into balances; signed commands (section 6). What it finds wrong is collected
 * in {@link BillingConsumer.problems}, never thrown from the MQTT callbacks.
 */
import { connect, type MqttClient } from "mqtt";
import { GapFiller } from "./gap-filler.ts";
import { Ledger } from "./ledger.ts";
import { CommandSender, type CommandResponse } from "./requests.ts";
import type { SigningIdentity } from "./signer.ts";
import { StreamTracker } from "./stream-tracker.ts";
import { uplinkSignatureProblem } from "./uplink-verify.ts";
import { ContractValidator, type SchemaDocument } from "./validator.ts";

export interface ConsumerOptions {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883`. */
  readonly url: string;
  /** `mqtt.topicPrefix` of the gateway (default `mg`). */
  readonly prefix: string;
  /** Stable across restarts: the broker keeps this client's session under it. */
  readonly clientId: string;
  readonly identity: SigningIdentity;
  /**
   * The gateway's uplink keys, id -> key file content (6.2.2): every message must verify under the one
   * its `kid` names, else it is dropped as a problem. Add the new key here before an uplink rotation.
   */
  readonly uplinkKeys: Map<string, string>;
  /** Every file of docs/schemas/. */
  readonly schemas: readonly SchemaDocument[];
  /** How long the broker keeps the session while this consumer is away, s. */
  readonly sessionExpirySec: number;
  /** Wait for the broker's CONNACK, ms. */
  readonly connectTimeoutMs: number;
}

/** The contract version this consumer implements (section 1.1: refuse a message of another). */
const SUPPORTED_VERSION = 1;
const STREAMS = new Set(["readings", "billing", "events"]);

export class BillingConsumer {
  /** Every message that broke the contract: schema, version, JSON, duplicates with another key. */
  readonly problems: string[] = [];
  /** Connection errors (the broker away): expected in an outage, not a contract problem. */
  readonly connectionErrors: string[] = [];
  readonly tracker = new StreamTracker();
  readonly ledger = new Ledger();
  /** The latest retained status and meter states. */
  status: Record<string, unknown> | undefined;
  readonly meterStates = new Map<string, Record<string, unknown>>();
  /** New stream records flagged `historical` (replayed from the gateway's backlog). */
  historical = 0;
  /** Messages received, per topic suffix (duplicates included). */
  readonly received = new Map<string, number>();
  /** Messages whose uplink signature verified, per uplink key id. */
  readonly verified = new Map<string, number>();
  /** Every new `events` record's body, with its epoch. */
  readonly events: Array<{ epoch: string; body: Record<string, unknown> }> = [];
  readonly gapFiller: GapFiller;
  private readonly commands: CommandSender;
  /** Live records still to drop on purpose, per stream, as a lossy platform would lose them. */
  private readonly toDrop = new Map<string, number>();

  private constructor(
    private readonly client: MqttClient,
    private readonly options: ConsumerOptions,
    private readonly validator: ContractValidator,
  ) {
    const base = `${options.prefix}/${options.identity.gatewayId}`;
    const check = (command: string, request: unknown) => validator.checkRequest(command, request);
    this.commands = new CommandSender(client, base, options.identity, check);
    this.gapFiller = new GapFiller((command, params, opts) => this.command(command, params, opts));
  }

  /** The epoch new records get, from the latest retained status (section 4); "" before one arrived. */
  get epoch(): string {
    const epoch = this.status?.["epoch"];
    return typeof epoch === "string" ? epoch : "";
  }

  /** The command key the consumer signs with now (key file content). */
  get identityKeyText(): string {
    return this.commands.identity.keyText;
  }

  /** Accepts messages signed with another uplink key too (before an uplink rotation, 6.2.2). */
  addUplinkKey(kid: string, keyText: string): void {
    this.options.uplinkKeys.set(kid, keyText);
  }

  /** Signs the next commands with another command key (a rotation, 6.2.1). */
  useCommandKey(kid: string, keyText: string): void {
    this.commands.identity = { ...this.commands.identity, kid, keyText };
  }

  /** Drops the next `count` new live records of `stream` unseen, leaving a gap to fill (3.2). */
  dropNext(stream: string, count: number): void {
    this.toDrop.set(stream, count);
  }

  /** Asks `request/history` for every gap this consumer has now (6.3). */
  fillGaps(timeoutMs: number): Promise<void> {
    return this.gapFiller.fill(this.tracker.gaps(), timeoutMs);
  }

  /** Connects with a persistent session and subscribes to what the gateway publishes (QoS 1). */
  static async connect(options: ConsumerOptions): Promise<BillingConsumer> {
    const client = connect(options.url, {
      protocolVersion: 5,
      clientId: options.clientId,
      clean: false,
      properties: { sessionExpiryInterval: options.sessionExpirySec },
      reconnectPeriod: 200,
      connectTimeout: options.connectTimeoutMs,
    });
    const consumer = new BillingConsumer(client, options, new ContractValidator(options.schemas));
    client.on("message", (topic, payload) => consumer.onMessage(topic, payload));
    client.on("error", (error) => consumer.connectionErrors.push(error.message));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no CONNACK in time")), options.connectTimeoutMs);
      client.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const base = `${options.prefix}/${options.identity.gatewayId}`;
    const topics = ["status", "meters/+/state", "readings", "billing", "events", "response/#"];
    await client.subscribeAsync(
      topics.map((t) => `${base}/${t}`),
      { qos: 1 },
    );
    return consumer;
  }

  /** Sends a signed command and resolves with its (validated) response. */
  command(
    command: string,
    params: Parameters<CommandSender["send"]>[1],
    options: { timeoutMs: number; transaction?: string },
  ): Promise<CommandResponse> {
    return this.commands.send(command, params, options);
  }

  /** Disconnects; the broker keeps the session (and queues for it) for `sessionExpirySec`. */
  async close(): Promise<void> {
    await this.client.endAsync();
  }

  private onMessage(topic: string, payload: Buffer): void {
    const base = `${this.options.prefix}/${this.options.identity.gatewayId}/`;
    const suffix = topic.startsWith(base) ? topic.slice(base.length) : topic;
    this.received.set(suffix, (this.received.get(suffix) ?? 0) + 1);
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(payload.toString("utf8")) as Record<string, unknown>;
    } catch {
      this.problems.push(`${suffix}: not JSON`);
      return;
    }
    const unverified = uplinkSignatureProblem(payload, message["kid"], this.options.uplinkKeys);
    if (unverified !== undefined) {
      this.problems.push(`${suffix}: ${unverified}`);
      return;
    }
    const kid = message["kid"] as string;
    this.verified.set(kid, (this.verified.get(kid) ?? 0) + 1);
    const problems = this.validator.check(suffix, message);
    if (message["v"] !== SUPPORTED_VERSION)
      problems.push(`${suffix}: contract version ${String(message["v"])}`);
    if (problems.length > 0) {
      this.problems.push(...problems);
      return;
    }
    this.route(suffix, message);
  }

  private route(suffix: string, message: Record<string, unknown>): void {
    if (suffix === "status") this.status = message;
    else if (suffix.startsWith("meters/")) this.meterStates.set(message["meterId"] as string, message);
    else if (suffix.startsWith("response/")) this.commands.responded(message as unknown as CommandResponse);
    else if (STREAMS.has(suffix)) this.record(message);
  }

  private record(envelope: Record<string, unknown>): void {
    // A gateway that sends no epoch has one: "" (stream-tracker.ts).
    const raw = envelope["epoch"];
    const epoch = typeof raw === "string" || typeof raw === "number" ? String(raw) : "";
    const id = {
      gatewayId: envelope["gatewayId"] as string,
      stream: envelope["stream"] as string,
      seq: envelope["seq"] as number,
      key: envelope["key"] as string,
      epoch,
    };
    const budget = this.toDrop.get(id.stream) ?? 0;
    if (budget > 0 && envelope["historical"] === false && !this.tracker.knows(id)) {
      this.toDrop.set(id.stream, budget - 1);
      return;
    }
    const fresh = this.tracker.accept(id);
    this.problems.push(...this.tracker.problems.splice(0));
    if (!fresh) return;
    if (envelope["historical"] === true) this.historical++;
    this.gapFiller.arrived(id.stream, epoch, id.seq, envelope["historical"] === true);
    if (id.stream === "events")
      this.events.push({ epoch, body: envelope["body"] as Record<string, unknown> });
    if (id.stream !== "billing") return;
    const body = envelope["body"] as { kind: string };
    this.ledger.add({ gatewayId: id.gatewayId, epoch, seq: id.seq, body });
  }
}
