/**
 * Topic names of the contract, all under `{prefix}/{gatewayId}/`. One place builds them so the gateway,
 * the reference client and the tests cannot disagree about a level.
 */
import type { StreamName } from "./records.ts";

/** The topics of one gateway. */
export interface GatewayTopics {
  /** `{prefix}/{gatewayId}`: every topic below starts with it. */
  readonly base: string;
  /** Retained availability and health: `online` or `offline` (last will). */
  readonly status: string;
  /** Retained latest state of one meter. */
  meterState(meterId: string): string;
  /** QoS 1 stream published from the outbox: `readings`, `billing` or `events`. */
  stream(stream: StreamName): string;
  /** Where the platform sends a command. */
  request(command: string): string;
  /** Where the gateway answers a command. */
  response(command: string): string;
  /**
   * The filter a request's MQTT 5 response topic must match: `{base}/response/#`. The gateway publishes
   * nowhere else, so a broker ACL can give it exactly its own subtree (docs/mqtt.md 6.4).
   */
  readonly responseTopicFilter: string;
  /** Whether `topic` may be a request's response topic: publishable and under `{base}/response/`. */
  allowsResponseTopic(topic: string): boolean;
  /** Subscription filter for every command: `{base}/request/+`. */
  readonly requestFilter: string;
  /** The command name of a request topic, or undefined when `topic` is not one. */
  commandOf(topic: string): string | undefined;
}

/** Builds the topic names for `gatewayId` under `prefix` (no leading or trailing '/'). */
export function gatewayTopics(prefix: string, gatewayId: string): GatewayTopics {
  const base = `${prefix}/${gatewayId}`;
  const requestPrefix = `${base}/request/`;
  const responsePrefix = `${base}/response/`;
  return {
    base,
    status: `${base}/status`,
    meterState: (meterId) => `${base}/meters/${meterId}/state`,
    stream: (stream) => `${base}/${stream}`,
    request: (command) => `${requestPrefix}${command}`,
    response: (command) => `${base}/response/${command}`,
    responseTopicFilter: `${base}/response/#`,
    allowsResponseTopic: (topic) =>
      isPublishableTopic(topic) && topic.startsWith(responsePrefix) && topic.length > responsePrefix.length,
    requestFilter: `${requestPrefix}+`,
    commandOf(topic) {
      if (!topic.startsWith(requestPrefix)) return undefined;
      const command = topic.slice(requestPrefix.length);
      return command.length === 0 || command.includes("/") ? undefined : command;
    },
  };
}

/** True when `topic` can be published to: non-empty, no wildcards, no NUL (MQTT 5 section 4.7). */
export function isPublishableTopic(topic: string): boolean {
  return topic.length > 0 && topic.length <= 65_535 && !/[+#\0]/.test(topic);
}
