/**
 * The platform side of an MQTT test: a client that records every message under a gateway's topics and
 * sends commands, awaiting each one's response. Used by the uplink tests and the fault suite.
 */
import type { IClientOptions, MqttClient } from "mqtt";
import { connect } from "mqtt";
import type { CommandResponse } from "../../gateway/uplink/commands/response.ts";
import { testGatewayId } from "./uplink/fixtures.ts";
import { waitFor } from "./wait-for.ts";

/** A received message. */
export interface Received {
  readonly topic: string;
  readonly payload: Record<string, unknown>;
  readonly retain: boolean;
  readonly correlationData?: Buffer;
  /** The payload bytes as received (what a signature covers). */
  readonly raw: Buffer;
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
        raw: payload,
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
