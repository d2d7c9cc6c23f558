/**
 * The MQTT side of commands: a message on `request/{command}` goes to the {@link CommandHandler} and its
 * response goes to `response/{command}` and, when the request set one, to its MQTT 5 response topic with
 * the request's correlation data. Mutations are handled synchronously inside the 'message' event, which
 * MQTT.js acknowledges only after it returns (see handler.ts for why that matters).
 */
import type { IPublishPacket, MqttClient } from "mqtt";
import type { Logger } from "../../core/logger.ts";
import type { CommandHandler } from "./commands/handler.ts";
import type { CommandResponse } from "./commands/response.ts";
import type { GatewayTopics } from "./topics.ts";

export class CommandResponder {
  constructor(
    private readonly handler: CommandHandler,
    private readonly topics: GatewayTopics,
    private readonly logger: Logger,
    /** Signs the serialised response (keys/seal.ts); default: unsigned. */
    private readonly seal: (json: string) => string = (json) => json,
  ) {}

  /** Handles one received message; ignores topics that are not requests. Never throws. */
  onMessage(client: MqttClient, topic: string, payload: Buffer, packet: IPublishPacket): void {
    const command = this.topics.commandOf(topic);
    if (command === undefined) return;
    const response = this.handler.handle(command, payload, packet.properties?.responseTopic);
    if (!(response instanceof Promise)) return this.respond(client, command, response, packet);
    response.then(
      (r) => this.respond(client, command, r, packet),
      (error: unknown) => this.logger.error({ err: error }, "command handling failed"),
    );
  }

  private respond(
    client: MqttClient,
    command: string,
    response: CommandResponse,
    request: IPublishPacket,
  ): void {
    // Only while connected: MQTT.js would otherwise queue the response in memory for a later connection.
    if (!client.connected) {
      this.logger.warn({ command, transaction: response.transaction }, "response dropped: disconnected");
      return;
    }
    const body = this.seal(JSON.stringify(response));
    const done = (error?: Error) => {
      if (error) this.logger.warn({ err: error.message, command }, "response not delivered");
    };
    client.publish(this.topics.response(command), body, { qos: 1 }, done);
    const responseTopic = request.properties?.responseTopic;
    // A response topic outside our subtree was refused (BAD_RESPONSE_TOPIC): answered above only.
    if (responseTopic !== undefined && this.topics.allowsResponseTopic(responseTopic)) {
      const correlationData = request.properties?.correlationData;
      client.publish(
        responseTopic,
        body,
        { qos: 1, properties: correlationData ? { correlationData } : {} },
        done,
      );
    }
  }
}
