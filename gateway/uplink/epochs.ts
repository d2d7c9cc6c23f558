/**
 * Which epoch a record belongs to, and whether the database the gateway runs on is the one that last
 * published (docs/mqtt.md 3.1, 3.2). The store keeps the epochs (store/stream-epochs.ts); this module
 * reads them and judges the broker's retained status against them. The judgement is a pure function.
 */
import type { StreamEpoch } from "../store/index.ts";
import type { StreamName } from "./records.ts";

/** The epochs of the open database, oldest first, with lookups by outbox id and by epoch. */
export class EpochBook {
  constructor(private readonly epochs: readonly StreamEpoch[]) {}

  /** The epoch new records get now. */
  get current(): StreamEpoch {
    return this.epochs.at(-1)!;
  }

  /** Every epoch id, oldest first. */
  get ids(): string[] {
    return this.epochs.map((e) => e.epoch);
  }

  /** The epoch of the outbox record with id `outboxId`. */
  epochOf(outboxId: number): string {
    for (let i = this.epochs.length - 1; i > 0; i--) {
      if (outboxId > this.epochs[i]!.afterOutboxId) return this.epochs[i]!.epoch;
    }
    return this.epochs[0]!.epoch;
  }

  /**
   * The outbox ids (afterId, upToId] and the seqs [firstSeq, lastSeq] of `stream` in `epoch`, given the
   * stream's last seq; undefined for an epoch this database does not know. lastSeq < firstSeq: none yet.
   */
  span(epoch: string, stream: StreamName, streamLastSeq: number) {
    const index = this.epochs.findIndex((e) => e.epoch === epoch);
    if (index < 0) return undefined;
    const entry = this.epochs[index]!;
    const next = this.epochs[index + 1];
    return {
      afterId: entry.afterOutboxId,
      upToId: next?.afterOutboxId ?? Number.MAX_SAFE_INTEGER,
      firstSeq: entry.firstSeq[stream] ?? 1,
      lastSeq: next === undefined ? streamLastSeq : (next.firstSeq[stream] ?? 1) - 1,
    };
  }
}

/** What the retained status said about the streams it was published for. */
export interface RetainedStreams {
  readonly epoch: string;
  /** Per stream, the seq through which the broker had acknowledged every record. */
  readonly ackedSeq: Readonly<Record<string, number>>;
}

/** The database as it is at connect. */
export interface LocalStreams {
  readonly epoch: string;
  /** Whether the broker has acknowledged a record of this epoch before (this database published). */
  readonly published: boolean;
  /** Per stream, the last seq this database handed out. */
  readonly lastSeq: Readonly<Record<string, number>>;
}

/** A stream where the database is behind what was published. */
export interface StreamBehind {
  readonly stream: string;
  readonly databaseSeq: number;
  readonly publishedSeq: number;
}

/** The verdict on the database at connect. */
export type EpochVerdict =
  | { readonly kind: "same" }
  | { readonly kind: "replaced"; readonly previousEpoch: string }
  | { readonly kind: "restored"; readonly previousEpoch: string; readonly behind: readonly StreamBehind[] };

/**
 * Judges the database against the retained status it finds on the broker:
 * - no status, or the same epoch with every stream at or past what it says: `same`;
 * - the same epoch, a stream behind what was acknowledged: `restored` (an older copy of this database);
 * - another epoch and this epoch never published: `replaced` (a new database);
 * - another epoch and this epoch published before: `restored` (a backup from before an epoch change).
 */
export function judgeEpoch(local: LocalStreams, retained: RetainedStreams | undefined): EpochVerdict {
  if (retained === undefined) return { kind: "same" };
  const behind = Object.entries(retained.ackedSeq)
    .map(([stream, publishedSeq]) => ({ stream, databaseSeq: local.lastSeq[stream] ?? 0, publishedSeq }))
    .filter((s) => s.databaseSeq < s.publishedSeq);
  if (retained.epoch === local.epoch) {
    return behind.length === 0
      ? { kind: "same" }
      : { kind: "restored", previousEpoch: retained.epoch, behind };
  }
  if (!local.published) return { kind: "replaced", previousEpoch: retained.epoch };
  return { kind: "restored", previousEpoch: retained.epoch, behind };
}
