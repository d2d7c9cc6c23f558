/**
 * Every error code a command response can carry, each with its one-line meaning: the one map the code
 * is typed by (a code missing here does not typecheck) and docs/mqtt.md section 6.5 is generated from
 * (`npm run schemas`; `npm run schemas:check` fails when the doc differs). Each code is distinct so an
 * integrator can act on it without parsing the message. Meanings are Markdown (backticks for names).
 */

/** Codes the uplink decides before a command reaches the executor, in the order it checks them. */
export const uplinkErrorCodes = {
  TOO_LARGE: "The payload is larger than 16384 bytes (`details: { bytes, maxBytes }`).",
  NOT_JSON: "The payload is not a UTF-8 JSON object (`details.problem`).",
  UNKNOWN_COMMAND: "The last topic level names no command (`details.commands` lists them).",
  SCHEMA:
    "A field is missing, unknown, of the wrong type or out of bounds; `details.issues` lists `{ path, message }`.",
  NO_COMMAND_KEY:
    "The gateway has no command key configured, so it accepts no command (`details.setting`: `mqtt.commandKeys`).",
  KEY_ID_REQUIRED:
    "The request has no `kid` and the gateway has more than one command key (a rotation's overlap window): name the key in `kid` (`details.keyIds`, the ids it accepts).",
  UNKNOWN_KEY:
    "`kid` names no command key of this gateway (not yet installed, or already removed); `details: { kid, keyIds }`, `keyIds` the ids it accepts.",
  BAD_SIGNATURE:
    "The signature does not match (wrong key, changed field, wrong command); `details: { command, signedFields, kid }` is what the gateway verified: the command name, the sorted field names of the signing input and the id of the key it used.",
  KEY_EXPIRED:
    "The signature is right but the key's `notAfter` has passed on the gateway's clock: sign with the newer key (`details: { kid, notAfterMs, gatewayTimeMs }`).",
  KEY_NOT_YET_VALID:
    "The signature is right but the key's `notBefore` has not come yet on the gateway's clock (`details: { kid, notBeforeMs, gatewayTimeMs }`).",
  WRONG_GATEWAY: "`gatewayId` names another gateway (`details: { gatewayId, requested }`).",
  BAD_VALIDITY:
    "`expiresAt` is not after `issuedAt`, or further after it than `mqtt.commandMaxTtlSec` (`details: { ttlMs, maxTtlMs }`).",
  EXPIRED: "`expiresAt` has passed on the gateway's clock (`details: { gatewayTimeMs, expiredForMs }`).",
  NOT_YET_VALID:
    "`issuedAt` is further ahead of the gateway's clock than the allowed skew (`details: { gatewayTimeMs, clockSkewMs }`).",
  BAD_RESPONSE_TOPIC:
    "The request's MQTT 5 response topic is not under `{prefix}/{gatewayId}/response/` (`details: { responseTopic, allowed }`, `allowed` the filter it must match). Nothing was executed and nothing published there; this answer goes to `response/{command}` only.",
  REPLAYED:
    "This transaction was already executed and its result is not kept (`details: { command, executedAtMs }`). A transaction whose result is kept is answered `ok` with its original `result` and `replayed: true` instead.",
  RATE_LIMITED:
    "The relay command rate limit (a guard against mass switching): a token bucket of `mqtt.relayCommandsPerMinute` (default 30) tokens, full at start, refilled continuously at that many per minute; each accepted `relay` command takes one. Retry after `details.retryAfterMs` (ms until the next token); `details: { retryAfterMs, bucketSize, refillPerMinute }`. The transaction was not used.",
  BUSY: "Too many slow commands (`meter.read`, `time.check`, `config.get`) in progress; retry later (`details: { inProgress, limit }`).",
  INTERNAL:
    "The gateway failed while executing; nothing was changed and the same transaction may be retried (`details: { changed: false, retrySameTransaction: true }`).",
} as const;

/** Codes the executor answers for the command itself (the prepaid engine's refusals among them). */
export const executorErrorCodes = {
  UNKNOWN_ACCOUNT: "No account with that id on this gateway (`details.account`).",
  UNKNOWN_METER:
    "No meter with that id on this gateway (for `relay`: no prepaid meter with a relay; for `meter.replace.confirm`: no meter with an account); `details.meter`.",
  UNKNOWN_TARIFF:
    "`account.set` names a tariff the gateway does not have (`details: { tariff, tariffs }`, the known ones), or `anomaly.resolve` would charge an account without a known tariff (`details: { account, tariff }`).",
  UNKNOWN_ANOMALY:
    "`anomaly.resolve`: no held energy jump with that id on that meter (resolved already, or never held); `details: { meter, heldAnomalies }` lists the ids held on it now.",
  TOPUP_GAP:
    "A purchaseSeq is missing: send the missing purchase first (`details: { lastAppliedPurchaseSeq, expectedPurchaseSeq }`).",
  TOPUP_STALE:
    "purchaseSeq is below the last applied one and the gateway has no record of it (`details: { lastAppliedPurchaseSeq, expectedPurchaseSeq }`).",
  TOPUP_CONFLICT:
    "This purchaseSeq was already applied with another `amountFen` or `paymentRef`: a different payment under a used number, nothing credited (`details.applied: { purchaseSeq, amountFen, paymentRef, balance, atMs }`, the applied purchase and the balance right after it).",
  TOPUP_HOARDING_LIMIT:
    "The balance would exceed the account's `hoardingLimit`; nothing was credited (`details: { wouldBe, hoardingLimit }`, yuan).",
  TOPUP_INVALID: "`amountFen` and `purchaseSeq` must be positive whole numbers (`details.problem`).",
  TARIFF_INVALID:
    "The `tariff.set` definition is not a valid tariff (`details.issues` lists `{ path, message }`).",
  THRESHOLD_INVALID:
    "`account.set` would break the limit rules of the config file (`alarm2` <= `alarm1`, `closeAllowedMin` >= -`overdraftLimit`, `hoardingLimit` > `closeAllowedMin`); nothing was changed (`details.rule`).",
  UNTIL_PASSED:
    "`protect` turning keep-power on with an `until` that is not after the gateway's clock: it would end before it began (`details: { untilMs, gatewayTimeMs }`).",
  PROTECTED:
    "The account has keep-power (`protect`): a remote cut is refused (`details: { account, reason, untilMs }`).",
  METER_NOT_READ:
    "`relay` before the meter's relay position was first read (after a start, until its first poll with a relay read-back); retry after that poll (`details.meter`).",
  METER_UNREACHABLE:
    "`meter.read` got no valid reply from the meter; the message names the bus error (e.g. `TIMEOUT: ...`), `details: { meter, error }` its code.",
  NOT_SECURED_METER:
    "`relay.forward`: the meter cannot take a forwarded secured relay command (not a DL/T 645 meter with a relay; `details.meter`).",
  NO_REPLACEMENT_PENDING:
    "`meter.replace.confirm`: the meter has no replacement waiting for confirmation (`details.meter`).",
  SERIAL_MISMATCH:
    "`meter.replace.confirm`: the meter was replaced by another serial than the one given (`details: { meter, pendingSerial }`).",
  UNKNOWN_EPOCH:
    "`history`: the gateway's database has no stream epoch of that id (a replaced database, or a typo); `details: { epoch, epochs }`, `epochs` the ones it has, oldest first.",
  HISTORY_RATE_LIMITED:
    "`history` over its limit: a token bucket of 6 requests, full at start, refilled continuously at 6 per minute, and one answer republishing at a time. Retry after `details.retryAfterMs`; `details: { retryAfterMs, bucketSize, refillPerMinute, inProgress }` (`inProgress`: records of the running answer still to republish, 0 when the bucket is empty). The transaction was not used.",
  RELAY_TEST_REFUSED:
    "A local technician's relay test (web page or CLI, never MQTT) was refused: the supply is not on, or a cut is announced, standing or not followed.",
  TARIFF_IN_FORCE:
    "`tariff.set`: `effectiveFrom` is at or before the start of the version in force, which took effect and cannot be replaced (a next set can, until its switch-over); `details: { tariff, effectiveFrom, inForceSinceMs, earliestMs }`.",
  UNKNOWN_TERMINAL:
    "`terminal.message` / `terminal.answer`: no prepayment terminal with that id on this gateway (`details: { terminal, terminals }`, the known ones).",
  MESSAGE_EXPIRED:
    "`terminal.message` with an `until` that is not after the gateway's clock: it would never be shown (`details: { untilMs, gatewayTimeMs }`).",
  // Account lifecycle (issue 16).
  TOPUP_BALANCE_CAP:
    "The balance would exceed the gateway's maximum balance (`policy.maxBalance`, default 999999.99); nothing was credited (`details: { wouldBe, maxBalance }`, yuan).",
  TOPUP_ORDER_CONFLICT:
    "`orderNo` was already applied as another purchase (another `purchaseSeq` or account); nothing credited (`details.applied: { account, purchaseSeq, orderNo, amountFen, paymentRef, balance, atMs }`).",
  BALANCE_CAP:
    "`adjustment` or `account.open` would take the balance above `policy.maxBalance`; nothing changed (`details: { wouldBe, maxBalance }`, yuan).",
  ACCOUNT_EXISTS:
    "`account.open` names an account that exists with other settings, or that was closed (ids are never reused); `details: { account, closed, customerNo }`.",
  ACCOUNT_CLOSED:
    "The account was closed by `account.close`: it takes no top-up, adjustment, refund, `protect`, `account.set`, `close-not-allowed` or second close (`details: { account, closedAtMs }`).",
  CLOSE_UNDER_LOAD:
    "`account.close` with `policy.closeSupply: cut` while a meter of the account draws more than `policy.tripMaxCurrentA`: the cut at close would have to wait for the load, and a closed account's meter has no decision left to run it, so nothing changed; send the close again when the load has dropped (`details: { meter, currentA, tripMaxCurrentA }`).",
  METER_BOUND:
    "`account.open`: the meter already bills to another open account; close that account first (`details: { meter, account }`).",
  REFUND_EXCEEDS_BALANCE:
    "A refund larger than the balance: a refund never takes a balance below zero; nothing changed (`details: { amount, balance }`, yuan).",
  REFUND_GAP:
    "A `refundSeq` is missing: send the missing refund first (`details: { lastAppliedRefundSeq, expectedRefundSeq }`).",
  REFUND_STALE:
    "`refundSeq` is below the last applied one and the gateway has no record of it (`details: { lastAppliedRefundSeq, expectedRefundSeq }`).",
  AMOUNT_INVALID:
    "A local `adjustment` or `refund` with an amount or sequence that is not a whole number in range (`details.problem`); over MQTT the schema refuses these first.",
  REFUND_CONFLICT:
    "This `refundSeq` was already applied with another `amountFen` or `reason`: nothing changed (`details.applied: { refundSeq, amountFen, reason, balance, atMs }`).",
} as const;

/** Every code of a command response, with its meaning. */
export const commandErrorCodes = { ...uplinkErrorCodes, ...executorErrorCodes } as const;

export type UplinkErrorCode = keyof typeof uplinkErrorCodes;
/** What an executor (and the prepaid operations behind it) may refuse with. */
export type ExecutorErrorCode = keyof typeof executorErrorCodes;
/** Any code a command response carries. */
export type CommandErrorCode = keyof typeof commandErrorCodes;

/** Whether `code` is one an executor may answer (anything else is answered INTERNAL). */
export function isExecutorErrorCode(code: string): code is ExecutorErrorCode {
  return Object.hasOwn(executorErrorCodes, code);
}

/** Codes after which the sender is not known to hold the key: their audit is rate-limited. */
export const unauthenticatedCodes: ReadonlySet<string> = new Set<UplinkErrorCode>([
  "NOT_JSON",
  "TOO_LARGE",
  "UNKNOWN_COMMAND",
  "SCHEMA",
  "NO_COMMAND_KEY",
  "KEY_ID_REQUIRED",
  "UNKNOWN_KEY",
  "BAD_SIGNATURE",
]);
