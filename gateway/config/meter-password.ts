/**
 * The relay password of a DL/T 645 meter, read from the file its config names (never from the config
 * itself, never logged, never in status or events: errors name the file, not its content).
 */
import { readFailure } from "../../core/file-errors.ts";
import { readFileSync } from "node:fs";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import type { Dlt645MeterConfig } from "./schema.ts";

/** The factory password of DL/T 645 meters, used when a meter's config names no file. */
export const factoryPassword = "000000";

/**
 * The meter's 6-digit password: the content of `relay.passwordFile` (trailing newlines ignored), or
 * {@link factoryPassword} without a file.
 * @param configKey where the file is named, for messages: `meters[2].relay.passwordFile`
 * @throws GatewayError(ConfigInvalid) whose message starts with `configKey` and names the file
 */
export function readMeterPassword(meter: Pick<Dlt645MeterConfig, "relay">, configKey: string): string {
  const file = meter.relay.passwordFile;
  if (file === undefined) return factoryPassword;
  const fail = (message: string, code?: string) =>
    new GatewayError(ErrorCode.ConfigInvalid, `${configKey}: ${message}`, { path: configKey, file, code });
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw fail(`cannot read the meter password file ${file}: ${readFailure(code)}`, code);
  }
  const password = text.replace(/[\r\n]+$/, "");
  // The content is a secret: say what is wrong with it without repeating any of it.
  if (!/^\d{6}$/.test(password))
    throw fail(
      `${file} must hold the 6-digit meter password and nothing else (it holds ${password.length} characters)`,
    );
  return password;
}
