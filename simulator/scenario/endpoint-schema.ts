/** Where a simulated bus is served: Modbus TCP, RTU over TCP, a serial device, or a pty pair we create. */
import * as z from "zod";

/** 1200..921600 baud, default 9600 (the usual meter factory setting). */
const baud = z.number().int().min(1200).max(921_600).default(9600);
const parity = z.enum(["none", "even", "odd"]).default("none");
const host = z.string().min(1).default("127.0.0.1");
/** 0 picks a free port (printed at start and listed by the control interface). */
const port = z.number().int().min(0).max(65_535);

/**
 * Line timing: `true` or `{ turnaroundMs }` holds each reply back by the wire time of a real RS-485 line
 * plus the meter's turnaround (0..10000 ms, default 0: the reply starts after t3.5).
 */
export const lineTimingSchema = z
  .union([z.boolean(), z.strictObject({ turnaroundMs: z.number().min(0).max(10_000).default(0) })])
  .transform((value) => (value === false ? undefined : value === true ? { turnaroundMs: 0 } : value));

export const endpointSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("tcp"), host, port }),
  z.strictObject({
    kind: z.literal("rtu-over-tcp"),
    host,
    port,
    /** Baud rate of the simulated RS-485 side, used only by line timing. */
    baud,
    lineTiming: lineTimingSchema.optional(),
  }),
  z.strictObject({
    kind: z.literal("serial"),
    device: z.string().min(1),
    baud,
    parity,
    lineTiming: lineTimingSchema.optional(),
    /** The other end of a pty pair: answer only requests sent at `baud` (see servers/pty-line.ts). */
    masterPty: z.string().min(1).optional(),
  }),
  z.strictObject({
    kind: z.literal("pty"),
    /** Where to put the gateway's end (a symlink); default a fresh temp dir. */
    link: z.string().min(1).optional(),
    baud,
    parity,
    lineTiming: lineTimingSchema.optional(),
    /** Answer only requests the gateway sends at `baud` (see servers/pty-line.ts); default false. */
    strictBaud: z.boolean().default(false),
  }),
]);

export type EndpointSpec = z.output<typeof endpointSchema>;

/**
 * One line for people: "Modbus TCP 127.0.0.1:5020", "Modbus RTU on /dev/ttyUSB0 (9600 8N1)",
 * "DL/T 645 on pty /tmp/x/gateway (2400 8E1)", "DL/T 645 over TCP (transparent) on 127.0.0.1:5030".
 */
export function describeEndpoint(
  endpoint: EndpointSpec,
  address: string,
  protocol: "modbus" | "dlt645" = "modbus",
): string {
  const line = (baudRate: number, p: "none" | "even" | "odd") =>
    `${baudRate} 8${p === "none" ? "N" : p === "even" ? "E" : "O"}1`;
  const timing =
    endpoint.kind === "tcp" || endpoint.lineTiming === undefined
      ? ""
      : `, line timing at ${endpoint.baud} baud + ${endpoint.lineTiming.turnaroundMs} ms turnaround`;
  const serial = protocol === "dlt645" ? "DL/T 645" : "Modbus RTU";
  switch (endpoint.kind) {
    case "tcp":
      return protocol === "dlt645"
        ? `DL/T 645 over TCP (transparent) on ${address}`
        : `Modbus TCP on ${address}`;
    case "rtu-over-tcp":
      return `${serial} over TCP on ${address}${timing}`;
    case "serial":
      return `${serial} on ${address} (${line(endpoint.baud, endpoint.parity)}${timing})`;
    case "pty":
      return `${serial} on pty ${address} (${line(endpoint.baud, endpoint.parity)}${timing})`;
  }
}
