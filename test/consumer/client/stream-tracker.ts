/**
 * Deduplication and gap detection for the `readings`, `billing` and `events` streams, as docs/mqtt.md
 * section 3.2 prescribes: a record is identified by `(gatewayId, stream, seq)`; a duplicate carries the
 * same `key` and `seq`; per `(gatewayId, stream)` the seqs run 1, 2, 3 ... without gap, and a missing one
 * is a record that has not arrived yet.
 *
 * Epoch-aware: a stream may carry an `epoch` (a new one when the gateway's database is replaced, with seq
 * restarting at 1). Every lane below is `(gatewayId, stream, epoch)`, and a record without an epoch
 * belongs to the one epoch "" of a gateway that does not send one.
 */

/** The envelope fields this module reads. */
export interface EnvelopeId {
  readonly gatewayId: string;
  readonly stream: string;
  readonly seq: number;
  readonly key: string;
  readonly epoch?: string | undefined;
}

/** A lane's missing seqs. */
export interface Gap {
  readonly gatewayId: string;
  readonly stream: string;
  readonly epoch: string;
  /** The seqs not received between 1 (or the first seen) and the highest seen, ascending. */
  readonly missing: readonly number[];
}

interface Lane {
  readonly gatewayId: string;
  readonly stream: string;
  readonly epoch: string;
  /** seq -> key of the record first received with it. */
  readonly keys: Map<number, string>;
  highest: number;
  lowest: number;
}

/** Where a lane's seqs are expected to start: at 1 (subscribed before the gateway's first record), or at the first one seen. */
export type LaneStart = "one" | "first-seen";

export class StreamTracker {
  /** Contract violations seen (a duplicate with another key, a key reused by another record). */
  readonly problems: string[] = [];
  private readonly lanes = new Map<string, Lane>();
  /** (gatewayId, key) -> the lane and seq that key was first seen with. */
  private readonly keyOwners = new Map<string, string>();
  private duplicateCount = 0;

  constructor(private readonly start: LaneStart = "one") {}

  /** Notes an arriving record: true if it is new, false for a duplicate (to be dropped). */
  accept(record: EnvelopeId): boolean {
    const epoch = record.epoch ?? "";
    const lane = this.lane(record.gatewayId, record.stream, epoch);
    const seen = lane.keys.get(record.seq);
    if (seen !== undefined) {
      this.duplicateCount++;
      if (seen !== record.key)
        this.problems.push(`${laneName(lane)} seq ${record.seq}: key ${record.key}, earlier ${seen}`);
      return false;
    }
    const owner = `${laneName(lane)} seq ${record.seq}`;
    // Keys are unique per gateway across all its databases (3.1: `{epoch}:{id}`), so dedup is on (gatewayId, key).
    const keyId = [record.gatewayId, record.key].join("\u0000");
    const earlier = this.keyOwners.get(keyId);
    if (earlier !== undefined) {
      this.problems.push(`key ${record.key} on ${owner}, earlier on ${earlier}`);
      return false;
    }
    this.keyOwners.set(keyId, owner);
    lane.keys.set(record.seq, record.key);
    lane.highest = Math.max(lane.highest, record.seq);
    lane.lowest = Math.min(lane.lowest, record.seq);
    return true;
  }

  /** True when this record's seq was received before on its lane. */
  knows(record: EnvelopeId): boolean {
    return (
      this.lanes.get(laneId(record.gatewayId, record.stream, record.epoch ?? ""))?.keys.has(record.seq) ===
      true
    );
  }

  /** Duplicates dropped so far. */
  get duplicates(): number {
    return this.duplicateCount;
  }

  /** Every lane's missing seqs (lanes without any are left out). */
  gaps(): Gap[] {
    const gaps: Gap[] = [];
    for (const lane of this.lanes.values()) {
      const from = this.start === "one" ? 1 : lane.lowest;
      const missing: number[] = [];
      for (let seq = from; seq <= lane.highest; seq++) if (!lane.keys.has(seq)) missing.push(seq);
      const { gatewayId, stream, epoch } = lane;
      if (missing.length > 0) gaps.push({ gatewayId, stream, epoch, missing });
    }
    return gaps;
  }

  /** The epochs seen on a gateway's stream, in the order they first appeared. */
  epochs(gatewayId: string, stream: string): string[] {
    return [...this.lanes.values()]
      .filter((l) => l.gatewayId === gatewayId && l.stream === stream)
      .map((l) => l.epoch);
  }

  /** Highest seq received on a lane (0 if none). */
  highest(gatewayId: string, stream: string, epoch = ""): number {
    return this.lanes.get(laneId(gatewayId, stream, epoch))?.highest ?? 0;
  }

  private lane(gatewayId: string, stream: string, epoch: string): Lane {
    const id = laneId(gatewayId, stream, epoch);
    let lane = this.lanes.get(id);
    if (lane === undefined) {
      lane = { gatewayId, stream, epoch, keys: new Map(), highest: 0, lowest: Number.POSITIVE_INFINITY };
      this.lanes.set(id, lane);
    }
    return lane;
  }
}

const laneId = (gatewayId: string, stream: string, epoch: string) =>
  [gatewayId, stream, epoch].join("\u0000");
const laneName = (lane: Lane) =>
  `${lane.gatewayId}/${lane.stream}${lane.epoch === "" ? "" : ` epoch ${lane.epoch}`}`;
