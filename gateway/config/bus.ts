/**
 * `buses[]`: one entry per physical or TCP line, a discriminated union on `protocol` (Modbus here,
 * DL/T 645 in dlt645.ts), each a union on `transport`. Serial keys on a TCP bus (and the reverse) are
 * unknown keys, explained by {@link busKeyHint}. A bus without `protocol` takes its meters' (protocols.ts).
 */
import * as z from "zod";
import { dlt645BusSchema } from "./dlt645.ts";
import { BAUD_RATES, commonBusFields } from "./bus-fields.ts";
import { hostName, intBetween, nonEmptyString } from "./fields.ts";
import { subjectOf } from "./messages.ts";

/** Wire protocol of the bus: `modbus` (the default) or `dlt645`. */
const modbusProtocol = z.literal("modbus").default("modbus");

export { BAUD_RATES } from "./bus-fields.ts";

/** A serial RS-485 line (Modbus RTU). */
export const rtuBusSchema = z.strictObject({
  ...commonBusFields,
  protocol: modbusProtocol,
  transport: z.literal("rtu"),
  /** Serial device, e.g. `/dev/ttyUSB0` or `/dev/serial/by-id/...` (stable across reboots). */
  path: nonEmptyString,
  /** Line speed, bits/s: one of 1200..115200 (see {@link BAUD_RATES}), default 9600. */
  baudRate: z.literal(BAUD_RATES).default(9600),
  /** Parity bit: none | even | odd, default none. */
  parity: z.enum(["none", "even", "odd"]).default("none"),
  /** Data bits per character: 7 | 8, default 8. */
  dataBits: z.literal([7, 8]).default(8),
  /** Stop bits: 1 | 2, default 1. */
  stopBits: z.literal([1, 2]).default(1),
});

/** Modbus TCP (`tcp`, MBAP framing) or RTU frames tunnelled through a TCP serial server (`rtu-over-tcp`). */
export const tcpBusSchema = z
  .strictObject({
    ...commonBusFields,
    protocol: modbusProtocol,
    transport: z.enum(["tcp", "rtu-over-tcp"]),
    /** Host name or IP address of the meter or serial server. */
    host: hostName,
    /** TCP port: 1..65535, default 502 (Modbus/TCP). */
    port: intBetween(1, 65_535).default(502),
    /**
     * Requests in flight at once on the connection, each matched to its reply by MBAP transaction id:
     * 1..64, default 1. Above 1 only on `tcp` to a device that queues requests (docs/configuration.md);
     * many devices, and every RTU converter, answer one request at a time.
     */
    maxInFlight: intBetween(1, 64).default(1),
  })
  .refine((bus) => bus.transport === "tcp" || bus.maxInFlight === 1, {
    path: ["maxInFlight"],
    error: (issue) => {
      const input = issue.input as { maxInFlight: number };
      return (
        `${subjectOf(issue.path)} must be 1 on transport 'rtu-over-tcp' (got ${input.maxInFlight}): ` +
        "RTU frames carry no transaction id, and the RS-485 line behind the converter takes one request at a time"
      );
    },
  });

export const modbusBusSchema = z.discriminatedUnion("transport", [rtuBusSchema, tcpBusSchema]);

export const busSchema = z.discriminatedUnion("protocol", [modbusBusSchema, dlt645BusSchema]);

const onlyIn = (own: object, other: object) => new Set(Object.keys(own).filter((key) => !(key in other)));
const serialOnlyKeys = onlyIn(rtuBusSchema.shape, tcpBusSchema.shape);
const networkOnlyKeys = onlyIn(tcpBusSchema.shape, rtuBusSchema.shape);
/** The serial and network transports of each protocol, for hints. */
const transports = {
  modbus: { serial: "'rtu'", network: "'tcp' or 'rtu-over-tcp'" },
  dlt645: { serial: "'serial'", network: "'tcp'" },
} as const;

/**
 * Why `key` is unknown on a bus, when it belongs to the other kind of transport: "baudRate applies only
 * to transport 'rtu' (this bus is 'tcp')". Undefined when the key is simply unknown.
 */
export function busKeyHint(key: string, bus: unknown): string | undefined {
  const { transport, protocol } = (bus ?? {}) as { transport?: unknown; protocol?: unknown };
  if (typeof transport !== "string") return undefined;
  const names = protocol === "dlt645" ? transports.dlt645 : transports.modbus;
  const serial = protocol === "dlt645" ? transport === "serial" : transport === "rtu";
  if (serialOnlyKeys.has(key) && !serial) {
    return `${key} applies only to transport ${names.serial} (this bus is '${transport}')`;
  }
  if (networkOnlyKeys.has(key) && serial) {
    return `${key} applies only to transport ${names.network} (this bus is '${transport}')`;
  }
  return undefined;
}
