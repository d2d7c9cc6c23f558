/**
 * Finds DL/T 645 meters on a bus for `scan --protocol dlt645`: the wildcard read-address (0x13 to
 * AAAAAAAAAAAA, valid only with one meter on the line) or a probe of each listed address (any reply,
 * an error reply included, proves a meter is there); then each DL/T 645 profile is read and the one that
 * reads the most wins (a single-phase meter refuses the phase B and C data of the three-phase profile).
 */
import { SystemClock } from "../../core/clock.ts";
import { ErrorCode, GatewayError, isGatewayError } from "../../core/errors.ts";
import { isTransient } from "../bus/counters.ts";
import { BusScheduler } from "../bus/scheduler.ts";
import { Dlt645MeterDriver } from "../metering/dlt645-driver.ts";
import { factoryPassword } from "../config/meter-password.ts";
import {
  FunctionCode,
  parseReadAddressReply,
  readFrame,
  wildcardAddress,
} from "../../protocols/dlt645/index.ts";
import type { Dlt645Link } from "../../protocols/dlt645/transport/link.ts";
import type { QuantityValues } from "../../protocols/profiles/decode.ts";
import { isDlt645Profile, type ProfileRegistry } from "../../protocols/profiles/load.ts";

/** Forward active energy, total: every DL/T 645-2007 meter has it (appendix A.1). */
const presenceDi = 0x00010000;

export interface Dlt645Hit {
  address: string;
  /** Best-fitting profile, or undefined when none reads. */
  profile: string | undefined;
  /** Other profiles that read as much. */
  alternatives: string[];
  values: QuantityValues;
  relayClosed?: boolean;
}

export class Dlt645Prober {
  private readonly scheduler: BusScheduler<Dlt645Link>;

  constructor(
    link: Dlt645Link,
    private readonly profiles: ProfileRegistry,
    timeoutMs: number,
  ) {
    this.scheduler = new BusScheduler(link, {
      busId: "scan",
      clock: new SystemClock(),
      timeoutMs,
      interFrameGapMs: 20,
    });
  }

  /**
   * The address of the one meter on the line (0x13 to the wildcard), or undefined when none answers.
   * @throws GatewayError(BAD_REPLY) when the replies collide: several meters answered at once
   */
  async readAddress(): Promise<string | undefined> {
    const request = { address: wildcardAddress, control: FunctionCode.readAddress, data: new Uint8Array(0) };
    try {
      const reply = await this.enqueue("wildcard", (link, t) => link.request(request, t));
      return parseReadAddressReply(reply);
    } catch (error) {
      if (isGatewayError(error, ErrorCode.Timeout)) return undefined;
      if (!isGatewayError(error) || !isTransient(error)) throw error;
      throw new GatewayError(
        ErrorCode.BadReply,
        `the read-address reply was garbled (${error.code}): several meters probably answered the wildcard at once; ` +
          "list their addresses with --address (e.g. --address 000000000001-000000000010)",
        error.context,
      );
    }
  }

  /** True when a meter answers at `address` (with data or with an error reply). */
  async present(address: string): Promise<boolean> {
    try {
      await this.enqueue(address, (link, t) => link.request(readFrame(address, presenceDi), t));
      return true;
    } catch (error) {
      if (isGatewayError(error, ErrorCode.MeterErrorReply)) return true;
      if (isGatewayError(error) && isTransient(error)) return false;
      throw error;
    }
  }

  /** Reads the meter with every DL/T 645 profile and ranks them by how much each read. */
  async identify(address: string): Promise<Dlt645Hit> {
    const fits: Array<{ id: string; values: QuantityValues; relayClosed?: boolean }> = [];
    for (const profile of this.profiles.values()) {
      if (!isDlt645Profile(profile)) continue;
      const driver = new Dlt645MeterDriver(profile, address, {
        clock: new SystemClock(),
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
        credentials: { level: 2, password: factoryPassword, operatorCode: "00000000" },
      });
      try {
        const result = await this.scheduler.enqueue({
          meterId: address,
          priority: "poll",
          retries: 1,
          run: (tx) => driver.poll(tx),
        });
        fits.push({
          id: profile.id,
          values: result.values,
          ...(result.relayClosed === undefined ? {} : { relayClosed: result.relayClosed }),
        });
      } catch (error) {
        if (!isGatewayError(error)) throw error;
      }
    }
    const size = (values: QuantityValues) => Object.keys(values).length;
    fits.sort((a, b) => size(b.values) - size(a.values));
    const best = fits[0];
    if (best === undefined) return { address, profile: undefined, alternatives: [], values: {} };
    return {
      address,
      profile: best.id,
      alternatives: fits
        .slice(1)
        .filter((f) => size(f.values) === size(best.values))
        .map((f) => f.id),
      values: best.values,
      ...(best.relayClosed === undefined ? {} : { relayClosed: best.relayClosed }),
    };
  }

  async close(): Promise<void> {
    await this.scheduler.stop();
  }

  private enqueue<T>(
    meterId: string,
    exchange: (link: Dlt645Link, timeoutMs: number) => Promise<T>,
  ): Promise<T> {
    return this.scheduler.enqueue({
      meterId,
      priority: "poll",
      retries: 0,
      run: (tx) => tx.transact(exchange),
    });
  }
}
