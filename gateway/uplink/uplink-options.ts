/** What the MQTT uplink (uplink.ts) is built from. */
import type { IClientOptions, MqttClient } from "mqtt";
import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import type { Store } from "../store/index.ts";
import type { MqttUplinkConfig } from "../config/mqtt.ts";
import type { CommandExecutor } from "./commands/executor.ts";
import type { StatusInfo } from "./retained-topics.ts";

/** Options of {@link Uplink}. */
export interface UplinkOptions {
  /** The `mqtt` config section, paths already absolute. */
  readonly config: MqttUplinkConfig;
  /** `gateway.id`: the topic level after the prefix. */
  readonly gatewayId: string;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Software version for the status topic. */
  readonly version: string;
  /** Meter counts for the status topic; called at each status publish. */
  readonly statusProvider: () => StatusInfo;
  readonly executor: CommandExecutor;
  /** Uniform [0, 1) for reconnect jitter; default Math.random. */
  readonly random?: () => number;
  /** Creates an MQTT client (tests may wrap it); default {@link connectMqtt} (mqtt-connect.ts). */
  readonly connect?: (url: string, options: IClientOptions) => MqttClient;
  /** A valid platform message arrived (CommandHandlerOptions.onPlatformMessage). */
  readonly onPlatformMessage?: () => void;
}
