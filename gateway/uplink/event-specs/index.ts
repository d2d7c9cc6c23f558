/**
 * Every event the gateway records: its type, severity, one-line wording and data, in one module (the
 * `events` stream of records.ts carries them; docs/mqtt.md documents the data). Producers build an
 * event here and record it with `recordEvent` (outbox-writer.ts); none writes its own wording.
 */
export * from "./prepaid-events.ts";
export * from "./account-events.ts";
export * from "./gateway-events.ts";
export * from "./command-events.ts";
export * from "./meter-clock.ts";
export * from "./meter-status.ts";
export * from "./safeguard-events.ts";
export * from "./stream-epoch-events.ts";
export * from "./key-events.ts";
