/**
 * `meter-gateway read -c FILE --meter ID` while the service runs: the service owns the serial port, so
 * the read is asked of it (its local API), and it reads the meter at once through the bus scheduler,
 * ahead of queued polls, as the `meter.read` command does; audited like that command.
 */
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import type { QuantityValues } from "../../protocols/profiles/decode.ts";
import { describeEndpoint, type TransportEndpoint } from "../../protocols/modbus/transport/transport.ts";
import { localApiTarget, tryLocalApi } from "./local-api-client.ts";
import { quantityLines, table } from "./output.ts";

/** The meter as the config names it, for the heading. */
export interface ConfiguredMeter {
  readonly endpoint: TransportEndpoint;
  readonly unit: number;
  readonly profileId: string;
  readonly label: string;
}

interface ReadAnswer {
  status: "ok" | "error";
  transaction: string;
  code?: string;
  message?: string;
  result?: { meter: string; reading: { wallMs: number; values: QuantityValues; relayClosed?: boolean } };
}

/** A read through the bus may wait behind one transaction and its retries: a generous bound, ms. */
const readTimeoutMs = 30_000;

/**
 * Reads `meterId` through the running service and prints it; resolves false when the service is not
 * running (the caller then opens the port itself). A refusal or a meter that does not answer throws.
 */
export async function readThroughService(
  configFile: string,
  meterId: string,
  meter: ConfiguredMeter,
  json: boolean,
): Promise<boolean> {
  const target = await localApiTarget(configFile);
  const answer = await tryLocalApi(target, "/technician/read", { meter: meterId }, readTimeoutMs);
  if (answer === undefined) return false;
  const body = answer.body as ReadAnswer;
  if (body.status !== "ok" || body.result === undefined) {
    const code = body.code === "METER_UNREACHABLE" ? ErrorCode.Timeout : ErrorCode.CommandRefused;
    throw new GatewayError(
      code,
      `the running service could not read ${meter.label}: ${body.message ?? JSON.stringify(body)}`,
    );
  }
  const { reading } = body.result;
  const where = describeEndpoint(meter.endpoint);
  if (json) {
    const out = {
      endpoint: where,
      unit: meter.unit,
      profile: meter.profileId,
      via: "service",
      transaction: body.transaction,
      ...reading,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return true;
  }
  process.stdout.write(`${meter.label} (${meter.profileId}) on ${where}, read by the running service\n`);
  const rows = quantityLines(reading.values);
  if (reading.relayClosed !== undefined)
    rows.push(["relay", reading.relayClosed ? "closed (supply on)" : "open (supply cut)"]);
  process.stdout.write(`${table(rows)}\n`);
  return true;
}
