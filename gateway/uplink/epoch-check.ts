/**
 * At the first broker connection of a run, before any record goes out: is this database the one that
 * last published? The gateway subscribes to its own retained `status` and publishes its `online` status;
 * the broker sends the retained one first (MQTT 5 section 3.3.1.3: retained messages at subscription,
 * then messages in publish order), so the first status to arrive is either the previous one or, when
 * none was retained, our own: a positive signal, no waiting for something not to come. Its `epoch` and
 * `ackedSeq` are judged by {@link judgeEpoch}; a new database raises `stream.database-replaced`, an older
 * one (a restored backup) `stream.database-restored` and starts a new epoch for the records this run made,
 * so they never reuse a key or a (stream, epoch, seq) the platform already holds.
 */
import type { MqttClient } from "mqtt";
import type { Clock } from "../../core/clock.ts";
import { withDeadline } from "../../core/deadline.ts";
import type { Logger } from "../../core/logger.ts";
import type { Store } from "../store/index.ts";
import type { EpochBook, EpochVerdict, RetainedStreams } from "./epochs.ts";
import { judgeEpoch } from "./epochs.ts";
import { databaseReplacedEvent, databaseRestoredEvent } from "./event-specs/index.ts";
import { recordEvent } from "./outbox-writer.ts";
import type { StreamName } from "./records.ts";
import { streamSchemas } from "./records.ts";
import type { GatewayTopics } from "./topics.ts";

const streams = Object.keys(streamSchemas) as StreamName[];

/** Options of {@link EpochCheck}. */
export interface EpochCheckOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly topics: GatewayTopics;
  /** The epochs as they are now. */
  readonly book: () => EpochBook;
  /** Called after a new epoch was started, to reload the epochs. */
  readonly epochsChanged: () => void;
  /** How long to wait for the status to come back, ms: default 5000. */
  readonly timeoutMs?: number;
}

export class EpochCheck {
  private checked = false;

  constructor(private readonly options: EpochCheckOptions) {}

  /**
   * Runs the check once per process (later connections only publish `online`). Never rejects: a broker
   * that does not answer in time, or refuses the subscription, leaves the check for the next connection.
   * @param publishOnline publishes the `online` status and returns its payload
   */
  async run(client: MqttClient, publishOnline: () => string): Promise<EpochVerdict | undefined> {
    if (this.checked) {
      publishOnline();
      return undefined;
    }
    const { topics, clock, logger } = this.options;
    let onMessage: ((topic: string, payload: Buffer) => void) | undefined;
    const first = new Promise<string>((resolve) => {
      onMessage = (topic, payload) => topic === topics.status && resolve(payload.toString());
      client.on("message", onMessage);
    });
    try {
      const timeoutMs = this.options.timeoutMs ?? 5000;
      const granted = await withDeadline(
        clock,
        client.subscribeAsync(topics.status, { qos: 1 }),
        timeoutMs,
        () => new Error("no SUBACK for the status topic"),
      );
      if ((granted[0]?.qos ?? 128) >= 128)
        throw new Error("the broker refused to let the gateway read its status");
      if (!client.connected) throw new Error("the connection was lost");
      const ours = publishOnline();
      const received = await withDeadline(
        clock,
        first,
        timeoutMs,
        () => new Error("own status did not come back"),
      );
      if (!client.connected) throw new Error("the connection was lost");
      this.checked = true;
      const verdict = this.judge(received === ours ? undefined : retainedStreams(received));
      if (verdict.kind !== "same") publishOnline();
      return verdict;
    } catch (error) {
      logger.warn(
        { err: (error as Error).message },
        "could not compare the database with the retained status",
      );
      return undefined;
    } finally {
      if (onMessage !== undefined) client.removeListener("message", onMessage);
      if (client.connected) client.unsubscribe(topics.status, () => undefined);
    }
  }

  private judge(retained: RetainedStreams | undefined): EpochVerdict {
    const { store, logger } = this.options;
    const current = this.options.book().current;
    const local = {
      epoch: current.epoch,
      published: streams.some((s) => store.outbox.ackedThroughSeq(s) >= (current.firstSeq[s] ?? 1)),
      lastSeq: Object.fromEntries(streams.map((s) => [s, store.outbox.lastSeq(s)])),
    };
    const verdict = judgeEpoch(local, retained);
    if (verdict.kind === "replaced") {
      store.transaction(() =>
        recordEvent(store, databaseReplacedEvent(current.epoch, verdict.previousEpoch, retained!.ackedSeq)),
      );
    } else if (verdict.kind === "restored") {
      const after = store.outboxIdAtOpen;
      store.transaction(() => {
        const firstSeq = Object.fromEntries(streams.map((s) => [s, store.outbox.firstSeqAfter(s, after)]));
        const next = store.streamEpochs.start(after, firstSeq);
        const { previousEpoch, behind } = verdict;
        recordEvent(
          store,
          databaseRestoredEvent({
            epoch: next.epoch,
            restoredEpoch: current.epoch,
            previousEpoch,
            behind,
            firstSeq,
          }),
        );
      });
      this.options.epochsChanged();
    }
    if (verdict.kind !== "same") logger.warn({ verdict }, "the database is not the one that last published");
    return verdict;
  }
}

/** The epoch and acknowledged seqs of a retained status, or undefined when it has none (an older gateway). */
function retainedStreams(payload: string): RetainedStreams | undefined {
  try {
    const status = JSON.parse(payload) as { epoch?: unknown; ackedSeq?: unknown };
    if (typeof status.epoch !== "string" || !/^[0-9a-f]{16}$/.test(status.epoch)) return undefined;
    const acked = typeof status.ackedSeq === "object" && status.ackedSeq !== null ? status.ackedSeq : {};
    const ackedSeq = Object.fromEntries(
      Object.entries(acked).filter((entry): entry is [string, number] => Number.isSafeInteger(entry[1])),
    );
    return { epoch: status.epoch, ackedSeq };
  } catch {
    return undefined;
  }
}
