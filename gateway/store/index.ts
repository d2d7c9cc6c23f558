/** The gateway's SQLite store: open it with {@link openStore}; persistence contracts live in outbox.ts. */
export { openStore, Store, defaultDbFileName } from "./store.ts";
export type { StoreOptions } from "./store.ts";
export type { Outbox, OutboxRecord, StoredOutboxRecord, EnqueueResult, FetchOptions } from "./outbox.ts";
export { maxFetchLimit } from "./outbox.ts";
export { SqliteOutbox } from "./sqlite-outbox.ts";
export { MemoryOutbox } from "./memory-outbox.ts";
export type { NewReading, StoredReading, ReadingCounts } from "./readings.ts";
export type {
  Account,
  AccountProtection,
  AccountSettingsPatch,
  AccountThresholds,
  NewAccount,
} from "./accounts.ts";
export type { Tariff } from "./tariffs.ts";
export type { SeenCommand } from "./meta.ts";
export type { StreamEpoch, StreamEpochRepository } from "./stream-epochs.ts";
export type { ChargeResult, LedgerEntry, LedgerKind, NewLedgerEntry } from "./ledger.ts";
export type { NewRelayOp, RelayAction, RelayOp, RelayReadback, RelayResult } from "./relay-ops.ts";
export type { EventQuery, EventSeverity, NewEvent, RecentEventQuery, StoredEvent } from "./event-store.ts";
export type { RetentionPolicy, RetentionResult } from "./retention.ts";
export type { IntegrityReport } from "./maintenance.ts";
export type { ConnectionPragmas } from "./open-database.ts";
export type { Migration, MigrationResult } from "./migrations.ts";
export type { ReadingRepository } from "./readings.ts";
export type { AccountRepository } from "./accounts.ts";
export type { TariffRepository } from "./tariffs.ts";
export type { LedgerRepository } from "./ledger.ts";
export type { RelayOpRepository } from "./relay-ops.ts";
export type { EventRepository } from "./event-store.ts";
export type { CommandsSeenRepository, KvRepository } from "./meta.ts";
export type { MeterStateRepository, StoredMeterState, StoredTrack } from "./meter-states.ts";
export type { AccountLifecycle, LedgerOrder, LifecycleRepository, OrderKind } from "./lifecycle.ts";
