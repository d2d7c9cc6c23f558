/**
 * Fills gaps with `request/history` (docs/mqtt.md sections 3.2 and 6.3): for each missing range of a
 * `(stream, epoch)` lane, at most 1000 seqs per request, the gateway answers which seqs it republishes and
 * which retention deleted (`gone`), then publishes those records again on their stream topic with
 * `historical: true`. A seq counts as filled when its record arrives after it was asked for.
 */
import type { CommandResponse } from "./requests.ts";
import type { Gap } from "./stream-tracker.ts";

/** The most seqs one history request may span (6.3). */
const MAX_SPAN = 1000;

/** Sends one signed command (the consumer's). */
export type SendCommand = (
  command: string,
  params: { stream: string; epoch: string; fromSeq: number; toSeq: number },
  options: { timeoutMs: number },
) => Promise<CommandResponse>;

export class GapFiller {
  /** Seqs asked for and not arrived yet, per lane `stream epoch`. */
  private readonly awaited = new Map<string, Set<number>>();
  /** Seqs asked for with `request/history`. */
  requested = 0;
  /** Asked-for seqs whose record then arrived (republished, `historical`). */
  filled = 0;
  /** Seqs the gateway answered `gone` (deleted by retention): they will never come. */
  gone = 0;

  constructor(private readonly send: SendCommand) {}

  /** A new (deduplicated) record arrived. */
  arrived(stream: string, epoch: string, seq: number, historical: boolean): void {
    if (historical && this.awaited.get(`${stream} ${epoch}`)?.delete(seq) === true) this.filled++;
  }

  /** Asked-for seqs still missing. */
  get outstanding(): number {
    let count = 0;
    for (const seqs of this.awaited.values()) count += seqs.size;
    return count;
  }

  /** Requests every missing range of `gaps`; throws on a refusal (the code and message). */
  async fill(gaps: readonly Gap[], timeoutMs: number): Promise<void> {
    for (const gap of gaps)
      for (const [fromSeq, toSeq] of ranges(gap.missing)) {
        const lane = `${gap.stream} ${gap.epoch}`;
        const seqs = this.awaited.get(lane) ?? new Set<number>();
        this.awaited.set(lane, seqs);
        // Noted before sending: the republished records may arrive right behind the response.
        for (let seq = fromSeq; seq <= toSeq; seq++) seqs.add(seq);
        this.requested += toSeq - fromSeq + 1;
        const params = { stream: gap.stream, epoch: gap.epoch, fromSeq, toSeq };
        const response = await this.send("history", params, { timeoutMs });
        if (response.status !== "ok")
          throw new Error(`history refused: ${response.code ?? ""} ${response.message ?? ""}`);
        for (const range of (response.result?.["gone"] ?? []) as Array<{ fromSeq: number; toSeq: number }>)
          for (let seq = range.fromSeq; seq <= range.toSeq; seq++) if (seqs.delete(seq)) this.gone++;
      }
  }
}

/** Consecutive runs of ascending `missing`, each at most {@link MAX_SPAN} long. */
function ranges(missing: readonly number[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (const seq of missing) {
    const last = runs.at(-1);
    if (last !== undefined && seq === last[1] + 1 && seq - last[0] < MAX_SPAN) last[1] = seq;
    else runs.push([seq, seq]);
  }
  return runs;
}
