/**
 * `terminals[]`: prepayment terminals (in-home displays with a keypad, payment terminals) on a Modbus
 * bus, each bound to one account (docs/terminals.md). The gateway writes what the account's customer
 * should see and forwards what they type to the platform.
 */
import * as z from "zod";
import { identifier, intBetween, nonEmptyString } from "./fields.ts";

export const terminalSchema = z.strictObject({
  /** Terminal id, used in MQTT records and the status: 1..64 of `A-Za-z0-9_-`, distinct from meter ids. */
  id: identifier,
  /** Id of the Modbus bus the terminal hangs on (DL/T 645 write 0x14 terminals are a later option). */
  bus: nonEmptyString,
  /** Modbus slave address: 1..247, not used by a meter or another terminal on that bus. */
  unit: intBetween(1, 247),
  /** Terminal profile: built in (`generic-terminal`) or in `gateway.profilesDir`/terminals. */
  profile: nonEmptyString.default("generic-terminal"),
  /** The account whose balance, alarm and cut state the terminal shows and whose purchases it takes. */
  account: nonEmptyString,
  /** Meters of that account whose cut state is shown; default every meter of the account. */
  meters: z.array(nonEmptyString).min(1).optional(),
  /** Shortest time between two display writes, ms: 500..3600000, default 5000. */
  refreshMs: intBetween(500, 3_600_000).default(5000),
  /** How often the keypad queue is read, ms: 200..600000, default 2000. */
  inputPollMs: intBetween(200, 600_000).default(2000),
});
