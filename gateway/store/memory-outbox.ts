/**
 * An in-memory {@link Outbox} for unit tests of the uplink and for the simulator. It loses everything on
 * restart, so the gateway itself never uses it. Payloads are stored as a JSON round trip, exactly as the
 * SQLite outbox returns them, so tests cannot pass here and fail against the real store.
 */
import type { Clock } from "../../core/clock.ts";
import type { EnqueueResult, FetchOptions, Outbox, OutboxRecord, StoredOutboxRecord } from "./outbox.ts";
import { checkEnqueue, checkFetch, replayed } from "./outbox-checks.ts";

interface StoredRecord extends Omit<OutboxRecord, "payload" | "deliveredAtMs"> {
  /** The payload's JSON, as the SQLite outbox stores it. */
  readonly payloadJson: string;
  deliveredAtMs: number | null;
}

/** {@link Outbox} held in process memory. */
export class MemoryOutbox implements Outbox {
  private readonly records = new Map<number, StoredRecord>();
  private readonly byKey = new Map<string, StoredRecord>();
  private readonly seqs = new Map<string, number>();
  private nextId = 1;

  constructor(private readonly clock: Clock) {}

  enqueue(stream: string, key: string, payload: unknown): EnqueueResult {
    const payloadJson = checkEnqueue(stream, key, payload);
    const existing = this.byKey.get(key);
    if (existing !== undefined) return replayed(existing, stream, key);
    const seq = (this.seqs.get(stream) ?? 0) + 1;
    const record: StoredRecord = {
      id: this.nextId++,
      stream,
      seq,
      key,
      payloadJson,
      createdAtMs: this.clock.now(),
      createdMonoMs: Math.floor(this.clock.monotonicMs()),
      deliveredAtMs: null,
    };
    this.seqs.set(stream, seq);
    this.records.set(record.id, record);
    this.byKey.set(key, record);
    return { id: record.id, seq, duplicate: false };
  }

  fetchUndelivered(stream: string, options: FetchOptions): OutboxRecord[] {
    return this.undelivered(stream, options).map(toRecord);
  }

  fetchUndeliveredJson(stream: string, options: FetchOptions): StoredOutboxRecord[] {
    return this.undelivered(stream, options).map((r) => ({ ...r, payloadJson: Buffer.from(r.payloadJson) }));
  }

  private undelivered(stream: string, options: FetchOptions): StoredRecord[] {
    checkFetch(options);
    const afterId = options.afterId ?? 0;
    const upToId = options.upToId ?? Number.MAX_SAFE_INTEGER;
    const out: StoredRecord[] = [];
    // Map iteration is insertion order, which is id order and therefore seq order within a stream.
    for (const r of this.records.values()) {
      if (out.length >= options.limit) break;
      if (r.stream === stream && r.deliveredAtMs === null && r.id > afterId && r.id <= upToId) {
        out.push({ ...r });
      }
    }
    return out;
  }

  markDelivered(ids: readonly number[]): number {
    const at = this.clock.now();
    let changed = 0;
    for (const id of new Set(ids)) {
      const r = this.records.get(id);
      if (r !== undefined && r.deliveredAtMs === null) {
        r.deliveredAtMs = at;
        changed++;
      }
    }
    return changed;
  }

  backlogCount(stream?: string): number {
    let n = 0;
    for (const r of this.records.values()) {
      if (r.deliveredAtMs === null && (stream === undefined || r.stream === stream)) n++;
    }
    return n;
  }

  backlogByStream(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.records.values()) {
      if (r.deliveredAtMs === null) counts[r.stream] = (counts[r.stream] ?? 0) + 1;
    }
    return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  lastId(): number {
    return this.nextId - 1;
  }

  lastSeq(stream: string): number {
    return this.seqs.get(stream) ?? 0;
  }

  get(id: number): OutboxRecord | undefined {
    const r = this.records.get(id);
    return r === undefined ? undefined : toRecord(r);
  }
}

function toRecord(r: StoredRecord): OutboxRecord {
  const { payloadJson, ...rest } = r;
  return { ...rest, payload: JSON.parse(payloadJson) as unknown };
}
