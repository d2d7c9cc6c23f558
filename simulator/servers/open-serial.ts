/** Opens a serial device for a simulated bus (Modbus RTU or DL/T 645), with one clear error if it cannot. */
import { existsSync } from "node:fs";
import { SerialPort } from "serialport";
import { ErrorCode } from "../../core/errors.ts";
import { SimError } from "../core/sim-error.ts";

/**
 * @param baudRate 1200..921600
 * @param parity 8 data bits, 1 stop bit and this parity (DL/T 645 meters: even)
 */
export async function openSerialPort(
  path: string,
  baudRate: number,
  parity: "none" | "even" | "odd",
): Promise<SerialPort> {
  if (!existsSync(path))
    throw new SimError(ErrorCode.EndpointUnavailable, `serial device ${path} does not exist`);
  const port = new SerialPort({ path, baudRate, parity, autoOpen: false });
  try {
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  } catch (error) {
    const denied = /EACCES|Permission denied/i.test(String(error));
    throw new SimError(
      ErrorCode.EndpointUnavailable,
      denied
        ? `permission denied opening ${path}: add the user to the dialout group`
        : `cannot open serial device ${path}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return port;
}
