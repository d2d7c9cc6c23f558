/** The `--protocol` option of scan and read: which meter protocol the bus speaks. */
import { UsageError } from "./output.ts";

/** `modbus` or `dlt645`; anything else is a usage error. */
export function protocolOf(value: string): "modbus" | "dlt645" {
  if (value === "modbus" || value === "dlt645") return value;
  throw new UsageError(`--protocol must be modbus or dlt645 (got '${value}')`);
}
