/**
 * The ingest stage of a reading's path (bus -> metering -> ingest -> billing -> relay / uplink): every
 * poll batch is stored and queued for the platform through the one validated outbox writer, whether or
 * not its meters bill to an account, and then handed to billing, all in one unit of work. Billing's
 * effects (relay operations, wakes) run after that unit of work commits.
 */
import { wholeMs } from "../../core/clock.ts";
import type { Reading } from "../metering/reading.ts";
import type { Store } from "../store/index.ts";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { enqueueReadings } from "../uplink/outbox-writer.ts";
import { toNewReading, toReadingRecord } from "./reading-rows.ts";

/** What billing offers the ingest stage: stored readings, each with its row id. */
export interface ReadingBilling {
  /** Charges and decides on the readings of metered accounts; joins the caller's unit of work. */
  billReadings(readings: readonly Reading[], readingIds: readonly number[]): void;
}

/** Stores every reading, queues it for the uplink and passes it to billing. */
export class ReadingIngest {
  constructor(
    private readonly store: Store,
    private readonly billing: ReadingBilling,
  ) {}

  /**
   * One poll batch in one transaction: stored, queued and billed, or (on any failure) none of it.
   * @throws what the store or billing throws; a record that fails its schema is a GatewayError(Internal).
   */
  ingest(batch: readonly Reading[]): void {
    if (batch.length === 0) return;
    const readings = batch.map(withWholeTimes);
    const store = this.store;
    store.transaction(() => {
      // The record is queued first, with the ids the rows will get, so that each row is inserted
      // carrying its outbox id: one UPDATE per reading less (linkOutbox).
      const firstId = store.readings.nextId();
      const body = {
        kind: "readings" as const,
        readings: readings.map((r, i) => toReadingRecord(r, firstId + i)),
      };
      const outboxId = enqueueReadings(store, body);
      const ids = store.readings.insertBatch(readings.map(toNewReading), outboxId);
      if (ids[0] !== firstId) {
        throw new GatewayError(
          ErrorCode.Internal,
          "stored readings did not get the ids their record carries",
          {
            expected: firstId,
            got: ids[0],
          },
        );
      }
      this.billing.billReadings(readings, ids);
    });
  }
}

/**
 * Readings enter storage and billing here, and this is where their times become whole ms: the poller
 * stamps them with performance.now(), whose fractions once reached the tariff through a wall-jump
 * reframe and failed every later batch (issue 10). Rounding down keeps their order.
 */
function withWholeTimes(r: Reading): Reading {
  if (Number.isInteger(r.wallMs) && Number.isInteger(r.monoMs)) return r;
  return { ...r, wallMs: wholeMs(r.wallMs), monoMs: wholeMs(r.monoMs) };
}
