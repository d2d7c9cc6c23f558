/**
 * The reference implementation of a command sender, as an integrator would write it: build the request,
 * sign it (signature.ts describes the canonical form), subscribe to the response topic, publish the
 * request with QoS 1 and wait for the response carrying the same transaction.
 */
import { randomUUID } from "node:crypto";
import type { IClientOptions, MqttClient } from "mqtt";
import { connectMqtt } from "../mqtt-connect.ts";
import { ErrorCode, GatewayError } from "../../../core/errors.ts";
import type { CommandName } from "../commands/catalog.ts";
import type { CommandResponse } from "../commands/response.ts";
import { signCommand } from "../commands/signature.ts";
import { clientOptions, readUplinkFiles } from "../client-options.ts";
import { uplinkDefaults } from "../../config/mqtt.ts";
import { gatewayTopics } from "../topics.ts";
import type { ClientConfig } from "./config.ts";

/** What a signed request is made from. */
export interface RequestInput {
  readonly gatewayId: string;
  readonly key: Buffer;
  /** Epoch ms used as issuedAt. */
  readonly nowMs: number;
  /** expiresAt - issuedAt, ms. */
  readonly ttlMs: number;
  /** Default: a random UUID. */
  readonly transaction?: string;
  /** The key's id, sent as `kid`; absent: no `kid` (accepted only by a gateway with one key). */
  readonly kid?: string;
}

/** The request object for `command` with `params`, signed. */
export function buildSignedRequest(
  command: string,
  params: Readonly<Record<string, unknown>>,
  input: RequestInput,
): Record<string, unknown> {
  const request: Record<string, unknown> = {
    ...params,
    transaction: input.transaction ?? randomUUID(),
    gatewayId: input.gatewayId,
    issuedAt: input.nowMs,
    expiresAt: input.nowMs + input.ttlMs,
    ...(input.kid === undefined ? {} : { kid: input.kid }),
  };
  request["signature"] = signCommand(command, request, input.key);
  return request;
}

/** Options of {@link sendCommand}. */
export interface SendCommandOptions {
  readonly config: ClientConfig;
  readonly command: CommandName;
  readonly params: Readonly<Record<string, unknown>>;
  readonly transaction?: string;
  /** Creates the MQTT client; default {@link connectMqtt}. */
  readonly connect?: (url: string, options: IClientOptions) => MqttClient;
}

/** Resolves once `client` is connected; rejects with ConnectionRefused when it errors or closes first. */
function untilConnected(client: MqttClient, url: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", (error) => reject(new GatewayError(ErrorCode.ConnectionRefused, error.message)));
    client.once("close", () =>
      reject(new GatewayError(ErrorCode.ConnectionRefused, `cannot connect to ${url}`)),
    );
  });
}

/**
 * Sends one command and resolves with the gateway's response (`ok` or `error`).
 * @throws GatewayError(Timeout) when no response arrives within `config.timeoutMs`, or
 *   GatewayError(ConnectionRefused) when the broker cannot be reached in that time.
 */
export async function sendCommand(options: SendCommandOptions): Promise<CommandResponse> {
  const { config, command } = options;
  const files = readUplinkFiles(config, "");
  const topics = gatewayTopics(config.topicPrefix, config.gatewayId);
  const client = (options.connect ?? connectMqtt)(
    config.url,
    clientOptions({
      config,
      settings: { ...uplinkDefaults, connectTimeoutMs: config.timeoutMs },
      clientId: config.clientId ?? `mg-client-${randomUUID().slice(0, 8)}`,
      files,
      persistentSession: false,
    }),
  );
  const deadline = Date.now() + config.timeoutMs;
  // Without a listener an 'error' event would throw; failures surface through the promises below.
  client.on("error", () => undefined);
  try {
    await untilConnected(client, config.url);
    const request = buildSignedRequest(command, options.params, {
      gatewayId: config.gatewayId,
      key: files.commandKey!,
      nowMs: Date.now(),
      ttlMs: config.ttlSec * 1000,
      ...(config.commandKeyId === undefined ? {} : { kid: config.commandKeyId }),
      ...(options.transaction === undefined ? {} : { transaction: options.transaction }),
    });
    const response = new Promise<CommandResponse>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new GatewayError(
              ErrorCode.Timeout,
              `no response to ${command} (transaction ${String(request["transaction"])}) within ${config.timeoutMs} ms: ` +
                `is gateway '${config.gatewayId}' online (see ${topics.status})?`,
            ),
          ),
        Math.max(0, deadline - Date.now()),
      );
      client.on("message", (topic, payload) => {
        if (topic !== topics.response(command)) return;
        try {
          const body = JSON.parse(payload.toString("utf8")) as CommandResponse;
          if (body.transaction !== request["transaction"]) return; // someone else's command
          clearTimeout(timer);
          resolve(body);
        } catch {
          // not a response of ours
        }
      });
    });
    await client.subscribeAsync(topics.response(command), { qos: 1 });
    await client.publishAsync(topics.request(command), JSON.stringify(request), { qos: 1 });
    return await response;
  } finally {
    client.end(true);
  }
}
