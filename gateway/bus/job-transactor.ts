/**
 * The transactor of a scheduler lane's job in hand (one job at a time, then the next: see
 * {@link JobTransactor.begin}). The bus's rules live in BusTransactions; this keeps what one job's
 * transactions did and the handlers of a first attempt's outcome, made once per lane: they run for
 * every request.
 */
import type { MeterCounters } from "./counters.ts";
import type { BusLink } from "./link.ts";
import {
  reportTo,
  type DirectExchange,
  type Exchange,
  type Naming,
  type Outcome,
  type Transactor,
} from "./transactor.ts";

/** What a job's transactor asks of its bus's transactions (BusTransactions). */
export interface JobTransactions<Link extends BusLink> {
  nextTicket(): number;
  transact<R>(tx: JobTransactor<Link>, exchange: Exchange<Link, R>, name?: Naming): Promise<R>;
  transactTo<R>(
    tx: JobTransactor<Link>,
    exchange: Exchange<Link, R>,
    direct: DirectExchange<Link, R>,
    outcome: Outcome<R>,
    name?: Naming,
  ): void;
  answered(counters: MeterCounters): void;
  ended(): void;
  retryAfter<R>(
    tx: JobTransactor<Link>,
    exchange: Exchange<Link, R>,
    name: Naming | undefined,
    error: unknown,
  ): Promise<R>;
}

export class JobTransactor<Link extends BusLink> implements Transactor<Link> {
  retried = false;
  attempts = 0;
  /** The job's place in the order jobs started (see BusTransactions.failed). */
  ticket = 0;
  /** Retries per transaction (0..10). */
  retries = 0;
  /** The meter's counters (set by {@link begin} before the job's first transaction). */
  counters: MeterCounters = undefined!;
  /**
   * The transaction in hand, the naming of its errors and, for {@link transactTo}, where its outcome
   * goes (a job has one transaction at a time). Typed over `never` so a scheduler of a narrower link
   * stays a scheduler of BusLink.
   */
  exchange: Exchange<never, unknown> | undefined;
  naming: Naming | undefined;
  outcome: Outcome<unknown> | undefined;

  constructor(private readonly bus: JobTransactions<Link>) {}

  /** A job starts: its retries per transaction, the meter's counters, a new ticket. */
  begin(retries: number, counters: MeterCounters): void {
    this.ticket = this.bus.nextTicket();
    this.retries = retries;
    this.counters = counters;
    this.retried = false;
    this.attempts = 0;
  }

  transact<R>(exchange: Exchange<Link, R>, name?: Naming): Promise<R> {
    return this.bus.transact(this, exchange, name);
  }

  transactTo<R>(
    exchange: Exchange<Link, R>,
    direct: DirectExchange<Link, R>,
    outcome: Outcome<R>,
    name?: Naming,
  ): void {
    this.bus.transactTo(this, exchange, direct, outcome, name);
  }

  /** A first attempt answered. */
  readonly answered = (value: unknown): unknown => {
    this.bus.answered(this.counters);
    this.bus.ended();
    return value;
  };

  /** A first attempt failed: counted, then retried or given up (BusTransactions.retryAfter). */
  readonly firstFailed = (error: unknown): Promise<unknown> => {
    const naming = this.naming;
    const exchange = this.exchange as Exchange<Link, unknown>;
    return this.bus.retryAfter(this, exchange, naming, naming === undefined ? error : naming(error));
  };

  /** The outcome of a first attempt made through a direct exchange (BusTransactions.transactTo). */
  readonly direct: Outcome<unknown> = {
    answered: (value) => {
      this.answered(value);
      this.outcome!.answered(value);
    },
    failed: (error) => reportTo(this.firstFailed(error), this.outcome!),
  };
}
