/**
 * gateway/uplink: the MQTT contract and its publisher. Records reach the platform only through the SQLite
 * outbox; commands arrive on `request/{command}` and are answered on `response/{command}`.
 * The contract is documented in docs/mqtt.md, with JSON Schemas generated from the zod schemas here.
 */
export { Uplink } from "./uplink.ts";
export type { UplinkOptions } from "./uplink.ts";
export { mqttConfigSchema, mqttTlsConfigSchema, uplinkDefaults, uplinkSettings } from "../config/mqtt.ts";
export type { MqttUplinkConfig, MqttUplinkConfigInput, UplinkSettings } from "../config/mqtt.ts";
export type { CommandExecutor, CommandContext, CommandOutcome } from "./commands/executor.ts";
export { commandCatalog, commandNames, isCommandName } from "./commands/catalog.ts";
export type { CommandName, CommandParams, CommandRequest, CommandResult } from "./commands/catalog.ts";
export { commandErrorCodes, executorErrorCodes, uplinkErrorCodes } from "./commands/codes.ts";
export type { CommandErrorCode, ExecutorErrorCode, UplinkErrorCode } from "./commands/codes.ts";
export type { CommandResponse, ErrorResponse, OkResponse } from "./commands/response.ts";
export { canonicalJson, signCommand, signingInput, verifyCommand } from "./commands/signature.ts";
export { CONTRACT_VERSION, buildEnvelope, streamEnvelopeSchemas } from "./envelope.ts";
export {
  enqueueRecord,
  recordBilling,
  recordEvent,
  recordReadings,
  nextBillingKey,
} from "./outbox-writer.ts";
export type { EventSpec } from "./outbox-writer.ts";
export type { StreamEnvelope } from "./envelope.ts";
export { meterStateSchema, statusSchema } from "./retained-topics.ts";
export type {
  MeterCounts,
  MeterState,
  MeterStatePayload,
  StatusInfo,
  StatusPayload,
} from "./retained-topics.ts";
export { gatewayTopics } from "./topics.ts";
export type { GatewayTopics } from "./topics.ts";
export * from "./records.ts";
export { clientConfigSchema, loadClientConfig, parseClientConfig } from "./client/config.ts";
export type { ClientConfig } from "./client/config.ts";
export { buildSignedRequest, sendCommand } from "./client/send.ts";
export type { SendCommandOptions } from "./client/send.ts";
