/**
 * Events about the identity of the uplink streams (docs/mqtt.md 3.1, 3.2): the gateway runs on a new
 * database, or on one older than what it last published. Raised at the first broker connection of a
 * run, from the retained status the gateway finds there (uplink/epoch-check.ts).
 */
import type { StreamBehind } from "../epochs.ts";
import type { EventSpec } from "../outbox-writer.ts";

/** `stream.database-replaced`: this database's epoch is new, the broker's status names another. */
export function databaseReplacedEvent(
  epoch: string,
  previousEpoch: string,
  previousAckedSeq: Readonly<Record<string, number>>,
): EventSpec {
  return {
    type: "stream.database-replaced",
    severity: "warning",
    message:
      `the gateway runs on a new database (stream epoch ${epoch}); it last published from epoch ` +
      `${previousEpoch}: seq restarts in the new epoch, and balances go on from this database`,
    data: { epoch, previousEpoch, previousAckedSeq: { ...previousAckedSeq } },
  };
}

/**
 * `stream.database-restored`: the database is older than what the gateway last published (a restored
 * backup). Its records keep their epoch; records from now on are in the new `epoch`.
 */
export function databaseRestoredEvent(facts: {
  epoch: string;
  restoredEpoch: string;
  previousEpoch: string;
  behind: readonly StreamBehind[];
  firstSeq: Readonly<Record<string, number>>;
}): EventSpec {
  const behind = facts.behind
    .map((s) => `${s.stream} seq ${s.databaseSeq} here, ${s.publishedSeq} published`)
    .join("; ");
  return {
    type: "stream.database-restored",
    severity: "critical",
    message:
      `the database is older than what this gateway last published (${behind || "another epoch was published since"}): ` +
      `a restored backup? records from now on are in the new stream epoch ${facts.epoch}`,
    data: {
      epoch: facts.epoch,
      restoredEpoch: facts.restoredEpoch,
      previousEpoch: facts.previousEpoch,
      behind: facts.behind.map((s) => ({ ...s })),
      firstSeq: { ...facts.firstSeq },
    },
  };
}
