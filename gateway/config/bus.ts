/**
 * `buses[]`: one entry per physical or TCP Modbus line, a discriminated union on `transport`.
 * Serial keys on a TCP bus (and the reverse) are unknown keys, explained by {@link busKeyHint}.
 */
import { z } from "zod";
import { hostName, identifier, intBetween, nonEmptyString } from "./fields.ts";
import { subjectOf } from "./messages.ts";

/** Baud rates a Modbus RTU line may run at (bits per second). */
export const BAUD_RATES = [1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200] as const;

/**
 * How a bus backs off from a meter that stopped answering: it is polled again after `initialMs`, the
 * pause growing with each failure up to `maxMs`, so a dead meter does not eat the line's time.
 */
const backoffSchema = z
  .strictObject({
    /** First pause after a meter stops answering, ms: 100..3600000, default 5000. */
    initialMs: intBetween(100, 3_600_000).default(5_000),
    /** Longest pause between retries of a silent meter, ms: 100..86400000, default 300000 (5 min). */
    maxMs: intBetween(100, 86_400_000).default(300_000),
  })
  .refine((backoff) => backoff.maxMs >= backoff.initialMs, {
    path: ["maxMs"],
    error: (issue) => {
      const input = issue.input as { initialMs: number; maxMs: number };
      return `${subjectOf(issue.path)} must be at least initialMs (${input.initialMs}) (got ${input.maxMs})`;
    },
  });

/** Keys every transport has. */
const commonFields = {
  /** Bus id, referenced by `meters[].bus`: 1..64 of `A-Za-z0-9_-`. */
  id: identifier,
  /** How long to wait for a reply, ms: 10..30000, default 500. */
  timeoutMs: intBetween(10, 30_000).default(500),
  /**
   * Pause between the end of one transaction and the next request, ms: 0..10000, default 20. Some
   * meters reboot when polled back to back; Modbus RTU itself needs 3.5 character times.
   */
  interFrameGapMs: intBetween(0, 10_000).default(20),
  /** Retries of a request that timed out or failed its CRC before the poll fails: 0..10, default 1. */
  retries: intBetween(0, 10).default(1),
  /** Back-off for silent meters; always present after parsing (defaults 5000 / 300000 ms). */
  backoff: backoffSchema.prefault({}),
};

/** A serial RS-485 line (Modbus RTU). */
export const rtuBusSchema = z.strictObject({
  ...commonFields,
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
    ...commonFields,
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

export const busSchema = z.discriminatedUnion("transport", [rtuBusSchema, tcpBusSchema]);

const onlyIn = (own: object, other: object) => new Set(Object.keys(own).filter((key) => !(key in other)));
const serialOnlyKeys = onlyIn(rtuBusSchema.shape, tcpBusSchema.shape);
const networkOnlyKeys = onlyIn(tcpBusSchema.shape, rtuBusSchema.shape);

/**
 * Why `key` is unknown on a bus, when it belongs to the other kind of transport: "baudRate applies only
 * to transport 'rtu' (this bus is 'tcp')". Undefined when the key is simply unknown.
 */
export function busKeyHint(key: string, bus: unknown): string | undefined {
  const transport = (bus as { transport?: unknown } | null | undefined)?.transport;
  if (typeof transport !== "string") return undefined;
  if (serialOnlyKeys.has(key) && transport !== "rtu") {
    return `${key} applies only to transport 'rtu' (this bus is '${transport}')`;
  }
  if (networkOnlyKeys.has(key) && transport === "rtu") {
    return `${key} applies only to transport 'tcp' or 'rtu-over-tcp' (this bus is 'rtu')`;
  }
  return undefined;
}
