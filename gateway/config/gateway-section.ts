/** `gateway`: identity and process-wide settings. */
import * as z from "zod";
import { identifier, intBetween, nonEmptyString, timeZoneName } from "./fields.ts";

/** Log levels, most verbose first. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;

export const gatewaySchema = z.strictObject({
  /** Gateway id, the first MQTT topic level after the prefix: 1..64 of `A-Za-z0-9_-`. */
  id: identifier,
  /** Directory for the SQLite store and state; relative paths resolve against the config file's directory. */
  dataDir: nonEmptyString,
  /** IANA time zone for tariff periods and schedules, e.g. `Asia/Shanghai`; default `UTC`. */
  timezone: timeZoneName.default("UTC"),
  /** Minimum log level: trace | debug | info | warn | error, default info. */
  logLevel: z.enum(LOG_LEVELS).default("info"),
  /** Port of the local HTTP API (health, metrics): 1..65535. Absent: no HTTP listener. */
  httpPort: intBetween(1, 65_535).optional(),
  /**
   * Unix socket of the local API, for the technician's commands while the service runs (mode 0660: the
   * service's user and group may connect). Relative paths resolve against the config file's directory.
   * Default `<dataDir>/gateway.sock`; e.g. `/run/meter-gateway/gateway.sock` with systemd's
   * `RuntimeDirectory=meter-gateway`. At most 100 bytes (the kernel's limit is 108).
   */
  socketPath: nonEmptyString.max(100).optional(),
  /**
   * Directory of user meter profiles, added to the built-in ones; relative paths resolve against the
   * config file's directory. Absent: built-in profiles only.
   */
  profilesDir: nonEmptyString.optional(),
  /**
   * Space the gateway holds in a reserve file in `dataDir`, MiB: 0..1024, default 4 (0: none). Released
   * when the disk fills, so billing and the alert can still be written for a while; taken back once
   * space returns.
   */
  diskReserveMiB: intBetween(0, 1024).optional(),
});
