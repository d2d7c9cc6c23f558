/**
 * One poll of a DL/T 645 meter's profile: blocks first (0001FF00 reads total and tariffs 1..4 in one
 * request), read DI by DI when the meter refuses a block with error 02 or answers it short; single
 * DIs; the clock. A refused block or a missing optional DI is skipped for a while on the monotonic
 * clock, so a meter without it does not cost a request per poll forever.
 */
import type { Clock } from "../../core/clock.ts";
import { findDataId, formatDi, type Dlt645DateTime, type FieldValue } from "../../protocols/dlt645/index.ts";
import type { Dlt645Link } from "../../protocols/dlt645/transport/link.ts";
import type {
  Dlt645Block,
  ResolvedDlt645Profile,
  ResolvedDlt645Quantity,
} from "../../protocols/profiles/dlt645-resolve.ts";
import type { Transactor } from "../bus/scheduler.ts";
import { meterTimeMs } from "./dlt645-clock.ts";
import { isNoDataReply, readFields } from "./dlt645-reads.ts";
import type { MissingQuantity, OptionalBlockChange } from "./optional-blocks.ts";

/** Quantity values as read, by name. */
export type PolledValues = Record<string, number>;

export interface Dlt645PollDeps {
  readonly address: string;
  readonly timeZone: string;
  /** Monotonic time for skipping; without a clock (one-shot `read`) everything is asked every time. */
  readonly clock?: Clock;
  readonly optionalRetryMs: number;
  readonly onOptionalChange?: ((change: OptionalBlockChange) => void) | undefined;
}

export class Dlt645Poll {
  /** Block or optional DI -> monotonic ms until which it is not asked for. */
  private readonly skipUntil = new Map<number, number>();

  constructor(
    private readonly profile: ResolvedDlt645Profile,
    private readonly deps: Dlt645PollDeps,
  ) {}

  /** Reads everything the profile maps; `missing` lists the optional quantities the meter lacks. */
  async readAll(tx: Transactor<Dlt645Link>): Promise<{ values: PolledValues; missing: MissingQuantity[] }> {
    const values: PolledValues = {};
    const missing: MissingQuantity[] = [];
    for (const block of this.profile.blocks) {
      const rest = await this.readBlock(tx, block, values);
      for (const quantity of rest) await this.readQuantity(tx, quantity, values, missing);
    }
    for (const quantity of this.profile.singles) await this.readQuantity(tx, quantity, values, missing);
    if (this.profile.clock !== undefined) await this.readClock(tx, this.profile.clock, values, missing);
    return { values, missing };
  }

  /** The meter failed a poll: ask for everything again next time (it may be another meter by then). */
  forget(): void {
    this.skipUntil.clear();
  }

  /** Reads a block into `values`; returns the members still to read one by one. */
  private async readBlock(
    tx: Transactor<Dlt645Link>,
    block: Dlt645Block,
    values: PolledValues,
  ): Promise<readonly ResolvedDlt645Quantity[]> {
    if (this.skipping(block.di)) return block.members;
    let fields: FieldValue[];
    try {
      fields = await readFields(tx, this.deps.address, block.entry);
    } catch (error) {
      if (!isNoDataReply(error)) throw error;
      // DL/T 645-2007 leaves blocks to the maker: this meter only answers the single DIs.
      this.skip(block.di);
      return block.members;
    }
    block.members.forEach((member, i) => {
      const value = fields[i];
      if (typeof value === "number") values[member.name] = value;
    });
    return block.members.slice(fields.length);
  }

  private async readQuantity(
    tx: Transactor<Dlt645Link>,
    quantity: ResolvedDlt645Quantity,
    values: PolledValues,
    missing: MissingQuantity[],
  ): Promise<void> {
    if (quantity.optional && this.skipping(quantity.di)) {
      missing.push(
        missingOf(quantity.name, quantity.di, "skipped: the meter answered error 02 (no requested data)"),
      );
      return;
    }
    try {
      const [value] = await readFields(tx, this.deps.address, quantity.entry);
      if (typeof value === "number") values[quantity.name] = value;
      if (quantity.optional && this.skipUntil.delete(quantity.di))
        this.report("back", quantity.name, quantity.di);
    } catch (error) {
      if (!quantity.optional || !isNoDataReply(error)) throw error;
      if (!this.skipUntil.has(quantity.di)) this.report("missing", quantity.name, quantity.di, error.message);
      this.skip(quantity.di);
      missing.push(missingOf(quantity.name, quantity.di, error.message));
    }
  }

  /** Date then time; a meter without them (error 02) leaves `meterClockMs` out. */
  private async readClock(
    tx: Transactor<Dlt645Link>,
    clock: { readonly date: number; readonly time: number },
    values: PolledValues,
    missing: MissingQuantity[],
  ): Promise<void> {
    try {
      const [date] = await readFields(tx, this.deps.address, entryOf(clock.date));
      const [time] = await readFields(tx, this.deps.address, entryOf(clock.time));
      values["meterClockMs"] = meterTimeMs(
        date as Dlt645DateTime,
        time as Dlt645DateTime,
        this.deps.timeZone,
      );
    } catch (error) {
      if (!isNoDataReply(error)) throw error;
      missing.push(missingOf("meterClockMs", clock.date, error.message));
    }
  }

  private skipping(di: number): boolean {
    const until = this.skipUntil.get(di);
    return until !== undefined && this.deps.clock !== undefined && this.deps.clock.monotonicMs() < until;
  }

  private skip(di: number): void {
    this.skipUntil.set(di, (this.deps.clock?.monotonicMs() ?? 0) + this.deps.optionalRetryMs);
  }

  private report(kind: "missing" | "back", name: string, di: number, error?: string): void {
    const change: OptionalBlockChange = {
      kind,
      quantities: [name as MissingQuantity["quantity"]],
      request: `DI ${formatDi(di)}`,
      ...(error === undefined ? {} : { error, retryMs: this.deps.optionalRetryMs }),
    };
    this.deps.onOptionalChange?.(change);
  }
}

function entryOf(di: number) {
  const entry = findDataId(di);
  if (entry === undefined) throw new RangeError(`DI ${formatDi(di)} is not in the DL/T 645 table`);
  return entry;
}

function missingOf(quantity: string, di: number, message: string): MissingQuantity {
  return {
    quantity: quantity as MissingQuantity["quantity"],
    request: `DI ${formatDi(di)}`,
    exception: 2,
    message,
  };
}
