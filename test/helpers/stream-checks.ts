/**
 * The platform's view of the gateway's streams (docs/mqtt.md section 3.2): every seq from 1 to the last
 * one arrived, and a seq that arrived twice carried the same idempotency key both times. Shared by the
 * fault scenarios and test/uplink/crash.test.ts.
 */
import type { Received } from "./platform.ts";

/** What one stream looked like from the platform. */
export interface StreamView {
  readonly stream: string;
  readonly received: number;
  readonly distinct: number;
  /** Messages that repeated a seq already received (with its key). */
  readonly duplicates: number;
}

/**
 * Checks the records received on `mg/{gatewayId}/{stream}` against the last seq the gateway handed out.
 * @param lastSeq per stream, the gateway's last seq (stream_seq.last_seq)
 * @returns one view per stream and one line per failed check
 */
export function checkStreams(
  messages: readonly Received[],
  gatewayId: string,
  lastSeq: Readonly<Record<string, number>>,
): { views: StreamView[]; failures: string[] } {
  const failures: string[] = [];
  const views: StreamView[] = [];
  for (const [stream, last] of Object.entries(lastSeq)) {
    const keyBySeq = new Map<number, string>();
    const seqByKey = new Map<string, number>();
    let received = 0;
    for (const m of messages) {
      if (m.topic !== `mg/${gatewayId}/${stream}`) continue;
      received++;
      const seq = m.payload["seq"] as number;
      const key = m.payload["key"] as string;
      const known = keyBySeq.get(seq);
      if (known !== undefined && known !== key)
        failures.push(`${stream} seq ${seq} arrived with two keys: ${known} and ${key}`);
      const otherSeq = seqByKey.get(key);
      if (otherSeq !== undefined && otherSeq !== seq)
        failures.push(`${stream} key ${key} arrived under seq ${otherSeq} and ${seq}`);
      keyBySeq.set(seq, key);
      seqByKey.set(key, seq);
    }
    const missing: number[] = [];
    for (let seq = 1; seq <= last; seq++) if (!keyBySeq.has(seq)) missing.push(seq);
    if (missing.length > 0)
      failures.push(
        `${stream}: ${missing.length} of ${last} seq never arrived (first ${missing.slice(0, 5).join(", ")})`,
      );
    const beyond = [...keyBySeq.keys()].filter((seq) => seq > last || seq < 1);
    if (beyond.length > 0)
      failures.push(`${stream}: seq outside 1..${last}: ${beyond.slice(0, 5).join(", ")}`);
    views.push({ stream, received, distinct: keyBySeq.size, duplicates: received - keyBySeq.size });
  }
  return { views, failures };
}
