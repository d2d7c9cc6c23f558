/**
 * gateway/config: the one config file, YAML, validated once at start by one zod schema
 * (STYLE.md principle 9). Pass the frozen {@link Config} in; there is no settings singleton.
 */
export { ConfigError, formatConfigErrors, type ConfigIssue } from "./config-error.ts";
export type { DeepReadonly } from "./freeze.ts";
export { loadConfig, type LoadConfigOptions, type LoadedConfig } from "./load.ts";
export { parseConfig, type ParseConfigOptions, type ParseConfigResult, type ProfileNames } from "./parse.ts";
export {
  configSchema,
  type AccountConfig,
  type BusConfig,
  type Config,
  type ConfigInput,
  type GatewaySettings,
  type MeterConfig,
  type ModbusBusConfig,
  type Dlt645BusConfig,
  type ModbusMeterConfig,
  type Dlt645MeterConfig,
  type MqttConfig,
  type RtuBusConfig,
  type TariffConfig,
  type TcpBusConfig,
  type TerminalConfig,
} from "./schema.ts";
export { summarizeConfig } from "./summary.ts";
export { localSocketPath } from "./paths.ts";
