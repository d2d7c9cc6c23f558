/**
 * The one config schema (STYLE.md principle 9). Types are inferred from it, never written by hand, and
 * are deep-readonly because {@link parseConfig} hands out a frozen object.
 */
import * as z from "zod";
import { busSchema, type rtuBusSchema, type tcpBusSchema } from "./bus.ts";
import type { DeepReadonly } from "./freeze.ts";
import { gatewaySchema } from "./gateway-section.ts";
import { meterSchema } from "./meter.ts";
import { terminalSchema } from "./terminals.ts";
import { accountSchema, httpSchema, mqttSchema, policySchema, tariffSchema } from "./sections.ts";

export const configSchema = z.strictObject({
  gateway: gatewaySchema,
  /** Modbus and DL/T 645 lines; may be empty only while commissioning. */
  buses: z.array(busSchema),
  /** Meters; each names a bus and a unit (Modbus) or address (DL/T 645) unique on that bus. */
  meters: z.array(meterSchema),
  /** Prepaid accounts. Absent: no prepaid logic and `meters[].account` is not checked. */
  accounts: z.array(accountSchema).optional(),
  /** Tariffs named by accounts. */
  tariffs: z.array(tariffSchema).optional(),
  /** Cut-off and credit policy. */
  policy: policySchema.optional(),
  /** MQTT uplink. Absent: offline. */
  mqtt: mqttSchema.optional(),
  /** Local HTTP API options. */
  http: httpSchema.optional(),
  /** Prepayment terminals bound to accounts (docs/terminals.md). Absent: none. */
  terminals: z.array(terminalSchema).optional(),
});

/** The validated, defaulted, frozen config. */
export type Config = DeepReadonly<z.output<typeof configSchema>>;
/** A config as written in YAML, before defaults. */
export type ConfigInput = z.input<typeof configSchema>;
export type GatewaySettings = Config["gateway"];
export type BusConfig = Config["buses"][number];
export type RtuBusConfig = DeepReadonly<z.output<typeof rtuBusSchema>>;
/** A `tcp` or `rtu-over-tcp` bus. */
export type TcpBusConfig = DeepReadonly<z.output<typeof tcpBusSchema>>;
/** A bus of either protocol; narrow on `protocol`. */
export type ModbusBusConfig = Extract<BusConfig, { protocol: "modbus" }>;
export type Dlt645BusConfig = Extract<BusConfig, { protocol: "dlt645" }>;
export type MeterConfig = Config["meters"][number];
export type ModbusMeterConfig = Extract<MeterConfig, { protocol: "modbus" }>;
export type Dlt645MeterConfig = Extract<MeterConfig, { protocol: "dlt645" }>;
export type AccountConfig = NonNullable<Config["accounts"]>[number];
export type TariffConfig = NonNullable<Config["tariffs"]>[number];
export type MqttConfig = NonNullable<Config["mqtt"]>;
export type TerminalConfig = NonNullable<Config["terminals"]>[number];
