/**
 * The `mqtt` config section. Tuning keys are optional without zod defaults, so a parsed config holds only
 * what the operator wrote; {@link uplinkSettings} applies the documented defaults in one place.
 * File paths are made absolute against the config file's directory by the config loader.
 */
import * as z from "zod";
import { commandTtlBoundsSec, defaultCommandMaxTtlSec } from "./command-ttl.ts";
import { intBetween, nonEmptyString } from "./fields.ts";
import type { DeepReadonly } from "./freeze.ts";
import { commandKeysSchema, uplinkKeyConfigSchema } from "./keys.ts";
import { requirement } from "./messages.ts";

/** TLS material and checks for the broker connection. */
export const mqttTlsConfigSchema = z.strictObject({
  /** PEM file of the CA that signed the broker certificate. Absent: the system trust store. */
  caFile: nonEmptyString.optional(),
  /** PEM client certificate for mutual TLS. */
  certFile: nonEmptyString.optional(),
  /** PEM private key of `certFile`. */
  keyFile: nonEmptyString.optional(),
  /** Name the broker certificate must carry (SNI and identity check). Absent: the URL's host. */
  servername: nonEmptyString.optional(),
  /** Reject a broker certificate that does not verify; default true. Turning it off disables TLS security. */
  rejectUnauthorized: z.boolean().optional(),
});

/** MQTT topic levels without wildcards or empty levels, e.g. `mg` or `site-3/mg`. */
export const topicPrefixSchema = z.string().regex(/^[^#+/\s]+(\/[^#+/\s]+)*$/, {
  error: requirement("must be topic levels separated by '/', without '+', '#', spaces or empty levels"),
});

/** The broker URL: `mqtt://`, `mqtts://`, `ws://` or `wss://`. */
export const brokerUrlSchema = z.url({
  protocol: /^(mqtts?|wss?)$/,
  error: requirement("must be a URL starting with mqtt://, mqtts://, ws:// or wss://"),
});

/** Uplink to the MQTT broker. Absent: the gateway runs offline and keeps everything in its outbox. */
export const mqttConfigSchema = z
  .strictObject({
    /** Broker URL, e.g. `mqtts://broker.example.com:8883`. */
    url: brokerUrlSchema,
    /** MQTT client id, 1..64 characters, stable across restarts (persistent session). Absent: `mg-<gateway id>`. */
    clientId: z.string().min(1).max(64).optional(),
    /** Topic levels in front of `<gatewayId>/...`; default `mg`. */
    topicPrefix: topicPrefixSchema.default("mg"),
    /**
     * File holding the HMAC key of remote commands (at least 32 characters): the single-key form, id
     * `default`. Absent, and no `commandKeys`: every command is refused.
     */
    commandKeyFile: nonEmptyString.optional(),
    /** The command keys accepted at once (1..8, each `{ id, file, notBefore?, notAfter? }`); replaces `commandKeyFile`. */
    commandKeys: commandKeysSchema.optional(),
    /** The key the gateway signs every message it publishes with (`{ id, file }`). Absent: messages are unsigned. */
    uplinkKey: uplinkKeyConfigSchema.optional(),
    /** Broker user name. */
    username: z.string().min(1).optional(),
    /** File holding the broker password; trailing newlines are ignored. */
    passwordFile: nonEmptyString.optional(),
    /** TLS options; used with `mqtts://` and `wss://` URLs. */
    tls: mqttTlsConfigSchema.optional(),
    /**
     * MQTT protocol version: 5 (default) or 4 (3.1.1) for brokers without MQTT 5, such as the demo's
     * embedded aedes. With 4, a request's response topic and correlation data are not available; responses
     * still go to `response/{command}`.
     */
    protocolVersion: z.union([z.literal(4), z.literal(5)]).optional(),
    /** MQTT keepalive, seconds: 5..1200, default 30. */
    keepaliveSec: intBetween(5, 1200).optional(),
    /** Give up a connection attempt after, ms: 1000..120000, default 15000. */
    connectTimeoutMs: intBetween(1000, 120_000).optional(),
    /** How long the broker keeps the command subscription while the gateway is away, s: 0..2592000, default 86400. */
    sessionExpirySec: intBetween(0, 2_592_000).optional(),
    /** First reconnect step, ms: 100..60000, default 1000. Steps double per failure; the delay is step/2..step. */
    reconnectMinMs: intBetween(100, 60_000).optional(),
    /** Largest reconnect step, ms: 1000..600000, default 60000. */
    reconnectMaxMs: intBetween(1000, 600_000).optional(),
    /** Outbox records published but not yet acknowledged (PUBACK), all streams together: 1..1000, default 32. */
    window: intBetween(1, 1000).optional(),
    /** Outbox records read per query: 1..1000, default 100. */
    batchSize: intBetween(1, 1000).optional(),
    /**
     * Backlog (historical) records published per second after an outage: 1..100000, default 1000. Live
     * records are never held back by it; it keeps a drain from swamping the broker and the platform.
     */
    backlogRatePerSec: intBetween(1, 100_000).optional(),
    /** How often the outbox is checked for new records when nobody called `outboxChanged()`, ms: 20..60000, default 500. */
    pollIntervalMs: intBetween(20, 60_000).optional(),
    /**
     * Shortest time between two refreshes of a meter's retained state that only bring a newer reading (and
     * with it lastSeen and balance), ms: 0..600000, default 5000; 0 = one per reading. A change of online,
     * relay, money state or account is published at once. Every reading still goes through the outbox.
     */
    meterStateIntervalMs: intBetween(0, 600_000).optional(),
    /** How often the retained `status` is refreshed, s: 5..3600, default 60. */
    statusIntervalSec: intBetween(5, 3600).optional(),
    /** Longest accepted command validity (`expiresAt - issuedAt`), s: 10..86400, default 900. */
    commandMaxTtlSec: intBetween(commandTtlBoundsSec.min, commandTtlBoundsSec.max).optional(),
    /** How far `issuedAt` may lie in the gateway's future (clock skew), s: 0..3600, default 60. */
    commandClockSkewSec: intBetween(0, 3600).optional(),
    /** Accepted `relay` commands per minute (mass switching guard, DOMAIN.md section 7): 1..600, default 30. */
    relayCommandsPerMinute: intBetween(1, 600).optional(),
  })
  .superRefine((mqtt, ctx) => {
    if (mqtt.commandKeyFile !== undefined && mqtt.commandKeys !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["commandKeys"],
        input: mqtt.commandKeys,
        message:
          "commandKeys and commandKeyFile cannot both be set: list the key of commandKeyFile in commandKeys",
      });
    }
  });

/** The `mqtt` section as parsed (frozen, like the whole config). */
export type MqttUplinkConfig = DeepReadonly<z.output<typeof mqttConfigSchema>>;
/** The `mqtt` section as written. */
export type MqttUplinkConfigInput = z.input<typeof mqttConfigSchema>;

/** Defaults of the optional tuning keys (see the schema for bounds). */
export const uplinkDefaults = {
  keepaliveSec: 30,
  connectTimeoutMs: 15_000,
  sessionExpirySec: 86_400,
  reconnectMinMs: 1000,
  reconnectMaxMs: 60_000,
  window: 32,
  batchSize: 100,
  backlogRatePerSec: 1000,
  pollIntervalMs: 500,
  meterStateIntervalMs: 5000,
  statusIntervalSec: 60,
  commandMaxTtlSec: defaultCommandMaxTtlSec,
  commandClockSkewSec: 60,
  relayCommandsPerMinute: 30,
} as const;

/** Tuning with every default applied. */
export type UplinkSettings = { -readonly [K in keyof typeof uplinkDefaults]: number };

/** The effective tuning: written values, else defaults; `reconnectMaxMs` is raised to `reconnectMinMs`. */
export function uplinkSettings(config: Readonly<Partial<UplinkSettings>>): UplinkSettings {
  const settings: UplinkSettings = { ...uplinkDefaults };
  for (const key of Object.keys(uplinkDefaults) as (keyof UplinkSettings)[]) {
    const value = config[key];
    if (value !== undefined) settings[key] = value;
  }
  settings.reconnectMaxMs = Math.max(settings.reconnectMaxMs, settings.reconnectMinMs);
  return settings;
}
