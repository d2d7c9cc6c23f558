/**
 * The faults active on one meter, and the per-request decision of which reply faults hit. Flaky faults
 * roll the meter's seeded generator, so the same requests in the same order get the same faults.
 */
import {
  replyFaultKinds,
  type FaultKind,
  type PersistentFaultSpec,
  type ReplyFaultSpec,
} from "../faults/fault-spec.ts";
import type { Random } from "./prng.ts";

export interface ActiveFault {
  readonly spec: PersistentFaultSpec;
  /** Simulated epoch ms the fault began. */
  readonly sinceMs: number;
  /** Simulated epoch ms the fault clears itself, if it has a `for`. */
  readonly untilMs: number | undefined;
  /** Requests this fault altered. */
  hits: number;
}

/** How one request is answered. */
export interface ReplyPlan {
  /** `offline`: the request never reaches the meter. `no-reply`: it does, the reply is lost. */
  drop?: "offline" | "no-reply";
  /** Answer this exception instead of acting on the request. */
  exception?: number;
  replyUnit?: number;
  /** Extra real milliseconds before the reply goes out. */
  delayMs?: number;
  line?: Extract<ReplyFaultSpec, { kind: "crc" | "truncated" | "garbage" }>;
}

export class MeterFaults {
  private readonly active = new Map<FaultKind, ActiveFault>();

  constructor(private readonly random: Random) {}

  /** Activates a fault, replacing an active one of the same kind. */
  set(spec: PersistentFaultSpec, atMs: number): ActiveFault {
    const fault: ActiveFault = {
      spec,
      sinceMs: atMs,
      untilMs: spec.for === undefined ? undefined : atMs + spec.for,
      hits: 0,
    };
    this.active.set(spec.kind, fault);
    return fault;
  }

  /** Clears one kind (or all); returns what was active. */
  clear(kind?: FaultKind): ActiveFault[] {
    const cleared =
      kind === undefined ? [...this.active.values()] : [this.active.get(kind)].filter((f) => f !== undefined);
    for (const fault of cleared) this.active.delete(fault.spec.kind);
    return cleared;
  }

  get(kind: FaultKind): ActiveFault | undefined {
    return this.active.get(kind);
  }

  has(kind: FaultKind): boolean {
    return this.active.has(kind);
  }

  list(): ActiveFault[] {
    return [...this.active.values()];
  }

  /**
   * Decides the reply faults for one request, in {@link replyFaultKinds} order. A fault with a
   * probability below 1 draws one number per request; the first drop or exception that hits ends it.
   */
  plan(unit: number): ReplyPlan {
    const plan: ReplyPlan = {};
    for (const kind of replyFaultKinds) {
      const fault = this.active.get(kind);
      const lineTaken =
        plan.line !== undefined && (kind === "crc" || kind === "truncated" || kind === "garbage");
      if (fault === undefined || lineTaken || !this.hits(fault)) continue;
      fault.hits += 1;
      const spec = fault.spec as ReplyFaultSpec;
      switch (spec.kind) {
        case "offline":
        case "no-reply":
          plan.drop = spec.kind;
          return plan;
        case "exception":
          plan.exception = spec.code;
          return plan;
        case "wrong-unit":
          plan.replyUnit = spec.replyUnit ?? (unit >= 247 ? 1 : unit + 1);
          break;
        case "delay":
          plan.delayMs = spec.delayMs;
          break;
        case "crc":
        case "truncated":
        case "garbage":
          plan.line = spec;
          break;
      }
    }
    return plan;
  }

  private hits(fault: ActiveFault): boolean {
    const p = (fault.spec as ReplyFaultSpec).probability;
    return p === undefined || p >= 1 || this.random() < p;
  }
}
