/**
 * Types of the cutoff decision (decision.ts): its state, inputs and effects. One DecisionState exists
 * per metered supply point with a relay; an account with several meters feeds each the same balance.
 * Everything is plain data so the state can be persisted as JSON.
 */
import type { PreTripConfig, Protection } from "./account.ts";
import type { ClockAnomaly, ClockSample } from "./clock-check.ts";
import type { FriendlyReason } from "./friendly.ts";
import type { Policy } from "./policy.ts";

/** Relay position: open = supply cut, closed = supply on. */
export type RelayPosition = "open" | "closed";

/**
 * Why the relay is (to be) opened. `pre-trip`: the short warning cut before the final arrears cut
 * (the meters' pre-trip, DOMAIN.md section 5), closed again by the gateway after its minutes.
 */
export type CutReason = "arrears" | "remote" | "pre-trip";

/** Why the relay is (to be) closed. `reconcile`: the relay is open and nothing wants it open. */
export type RestoreReason = "protected" | "balance" | "remote" | "reconcile" | "pre-trip-over";

/**
 * Why a due relay operation waits: a friendly time (cuts only), the per-hour cap, a keep-power safeguard
 * (automatic cuts only: after boot, while the platform is silent, in a keep-power period; DL/T 698.45
 * object 8001) or a load above policy.tripMaxCurrentA (any cut).
 */
export type DeferReason = FriendlyReason | "rate-limit" | KeepPowerReason | "heavy-load";

/** See {@link DeferReason}. */
export type KeepPowerReason = "keep-power-boot" | "keep-power-silence" | "keep-power-period";

/**
 * The edge's view of the platform at an input (the keep-power safeguards of policy.ts). Monotonic times
 * are of the current run.
 */
export interface PlatformContact {
  /** Monotonic ms at which this run of the gateway started (keepPowerAfterBootMin counts from it). */
  readonly bootMonoMs: number;
  /**
   * Monotonic ms of the last valid platform message (an admitted signed command) in this run; undefined:
   * none yet, silence counts from boot. A broker connection alone is not contact.
   */
  readonly lastMessageMonoMs: number | undefined;
  /** Whether silence is watched at all (false without an uplink: there is no platform to hear). */
  readonly watched: boolean;
}

/** Account limits and gateway policy the decision reads; constant between config reloads. */
export interface DecisionConfig {
  /** Cut when balance <= -overdraftLimitE7 (1e-7 yuan, >= 0). */
  readonly overdraftLimitE7: number;
  /** After an arrears cut, restore only when balance > closeAllowedMinE7 (1e-7 yuan, >= -overdraftLimitE7). */
  readonly closeAllowedMinE7: number;
  readonly policy: Policy;
  /** IANA zone of the gateway: friendly periods and holidays are local times there. */
  readonly timeZone: string;
  /**
   * How a restore closes the relay: `direct` (default) at once; `allow-close` lets the customer close it
   * with the meter's button (DL/T 645 N1 = 1B), so supply never returns to an unattended installation.
   * Keep-power restores are always direct: a protected supply must not wait for anyone.
   */
  readonly restoreMode?: RestoreMode;
  /** The platform contact, for the keep-power safeguards; absent: none of them applies but keep-power periods. */
  readonly contact?: PlatformContact;
  /** The account's pre-trip; absent: the first arrears cut is the final one. */
  readonly preTrip?: PreTripConfig;
  /**
   * "Close not allowed" (DOMAIN.md section 2, priority 1): no close at all, keep-power's included, until
   * the platform lifts it. It does not open a closed relay by itself.
   */
  readonly closeNotAllowed?: boolean;
}

/** See {@link DecisionConfig.restoreMode}. */
export type RestoreMode = "direct" | "allow-close";

/** An announced arrears cut. Due by MONOTONIC time, so a wall-clock jump cannot shorten the notice. */
export interface CutNotice {
  /** Epoch ms. */
  readonly announcedAtMs: number;
  /** Epoch ms told to the customer. */
  readonly plannedAtMs: number;
  /** Monotonic ms at which the notice has run out. */
  readonly dueMonoMs: number;
}

/** A relay whose read-back disagrees with its commanded position, re-driven on the retry schedule. */
export interface RelayMismatch {
  readonly expected: RelayPosition;
  /** Re-drives done so far. */
  readonly attempt: number;
  /** Monotonic ms of the next re-drive. */
  readonly nextMonoMs: number;
}

/** The last deferral reported (so it is reported once, not once per tick), with the operation it holds. */
export type Deferral = (
  | { readonly action: "cut"; readonly cut: CutReason }
  | { readonly action: "restore"; readonly restore: RestoreReason }
) & {
  readonly reason: DeferReason;
  /** Epoch ms when it is expected to lapse; undefined = not within the search horizon. */
  readonly untilMs: number | undefined;
};

/** Everything the decision remembers between inputs for one supply point (persist as JSON). */
export interface DecisionState {
  /** Current balance, 1e-7 yuan. */
  readonly balanceE7: number;
  /** The position last commanded (or read at start-up). */
  readonly relay: RelayPosition;
  /** Keep-power in force (cleared when `untilMs` passes on a sane clock). */
  readonly protection: Protection | false;
  /** A standing remote cut: the relay stays open until a remote restore or keep-power. */
  readonly remoteCut: { readonly reason: string; readonly commandId: string } | undefined;
  readonly notice: CutNotice | undefined;
  /** The relay was opened for arrears: it closes again only when balance > closeAllowedMin. */
  readonly arrearsCut: boolean;
  readonly deferral: Deferral | undefined;
  /** Monotonic ms of relay state changes in the last hour (for maxRelayOpsPerHour). */
  readonly relayOpsMonoMs: readonly number[];
  readonly mismatch: RelayMismatch | undefined;
  /** Clock of the previous input: the reference for detecting wall-clock jumps. */
  readonly clock: ClockSample | undefined;
  /** Epoch ms of the last wake requested (to request each wake once). */
  readonly wakeAtMs: number | undefined;
  /**
   * Number of the last relay command issued (executeCut / restore, re-drives included), counting from 1.
   * Absent: none yet (or a state persisted before commands were counted), i.e. 0.
   */
  readonly relayCommand?: number;
  /**
   * The last restore allowed the close (restoreMode `allow-close`) and the relay has not been seen closed
   * since: an open relay is expected until the customer presses the button. Absent: false.
   */
  readonly awaitingButton?: boolean;
  /** Current last reported by the meter, A (the heavy-load safeguard). Absent: not known. */
  readonly loadA?: number;
  /** Monotonic ms since which a due cut waits for the load to drop; absent: none waits. */
  readonly heavySinceMonoMs?: number;
  /** The wait above has outlasted policy.tripMaxDeferMin and was reported. */
  readonly heavyReported?: boolean;
  /** A pre-trip in progress: the relay closes again at restoreMonoMs, the final cut is due at finalMonoMs. */
  readonly preTrip?: { readonly restoreMonoMs: number; readonly finalMonoMs: number };
  /** A close withheld by "close not allowed" (reported once); it closes for this reason once lifted. */
  readonly blockedRestore?: RestoreReason;
}

/** Every input carries the wall (epoch ms) and monotonic time at which it happened. */
export type DecisionInput = ClockSample &
  (
    | { readonly kind: "tick" }
    /** The balance changed (a charge or an adjustment), 1e-7 yuan. */
    | { readonly kind: "balance"; readonly balanceE7: number }
    /** A top-up was applied; balanceE7 is the balance after it. */
    | { readonly kind: "topup"; readonly balanceE7: number; readonly amountE7: number }
    /** An authenticated, unexpired, non-replayed remote command (checked at the edge). */
    | {
        readonly kind: "remote";
        readonly action: "cut" | "restore";
        readonly reason: string;
        readonly commandId: string;
      }
    /** Keep-power switched on (with its reason and optional end) or off (false). */
    | { readonly kind: "protect"; readonly protection: Protection | false }
    /**
     * The relay's real position as read back from the meter. `afterCommand`: the number of the last
     * relay command (DecisionState.relayCommand) whose write had finished before the position was read.
     * Only a position read after the latest command was written says anything about it; one read
     * earlier (e.g. in the poll whose charge led to a cut) is stale and ignored.
     */
    | {
        readonly kind: "readBack";
        readonly position: RelayPosition;
        readonly afterCommand: number;
        /**
         * The meter's own word on an open relay after an allow-close: true = close allowed (no open
         * command in force, DL/T 645 status word 3 bit 6 clear), false = an open command is still in
         * force. Absent: not known (a plain position read).
         */
        readonly closeAllowed?: boolean;
        /** The meter's current at that read, A (largest phase), where it reports one. */
        readonly currentA?: number;
      }
  );

/** Audit events carried by `event` effects. */
export type DecisionEvent =
  | { readonly type: "clock-anomaly"; readonly anomaly: ClockAnomaly; readonly skewMs: number }
  /** A due cut was not executed because this input's clock is not trusted; retried on the next input. */
  | { readonly type: "cut-held"; readonly cut: CutReason; readonly reason: "clock" }
  /** A top-up left the balance at or below closeAllowedMin: the relay stays open. */
  | { readonly type: "restore-withheld"; readonly balanceE7: number; readonly closeAllowedMinE7: number }
  | { readonly type: "restore-deferred"; readonly reason: "rate-limit"; readonly untilMs: number | undefined }
  | { readonly type: "protection-on"; readonly reason: string; readonly untilMs: number | undefined }
  | { readonly type: "protection-off"; readonly cause: "released" | "expired" }
  | { readonly type: "remote-refused"; readonly commandId: string; readonly reason: "protected" }
  | { readonly type: "relay-mismatch"; readonly expected: RelayPosition; readonly actual: RelayPosition }
  | { readonly type: "relay-mismatch-cleared"; readonly position: RelayPosition }
  /** The relay closed after an allow-close restore: the customer pressed the button. */
  | { readonly type: "closed-by-customer" }
  /** A due cut has waited for a heavy load longer than policy.tripMaxDeferMin: the platform decides. */
  | {
      readonly type: "trip-deferred-long";
      readonly cut: CutReason;
      readonly currentA: number;
      readonly sinceMs: number;
    }
  /** A close was withheld: "close not allowed" is set on the account. */
  | { readonly type: "restore-blocked"; readonly restore: RestoreReason };

/** What the edges must do, in order. Exhaustive switches on `kind` are expected. */
export type DecisionEffect =
  /** Tell the customer (and platform) the supply will be cut at plannedAtMs unless topped up. */
  | { readonly kind: "announceCut"; readonly plannedAtMs: number; readonly balanceE7: number }
  /**
   * Open the relay. `redrive` is the re-drive number after a read-back mismatch, else undefined.
   * `command` numbers it (see DecisionState.relayCommand): read-backs name the command they followed.
   */
  | {
      readonly kind: "executeCut";
      readonly reason: CutReason;
      readonly redrive: number | undefined;
      readonly command: number;
    }
  /** An announced cut is off. */
  | { readonly kind: "cancelCut"; readonly reason: "balance" | "protected" | "remote" }
  /** A due cut waits until untilMs (epoch ms; undefined = unknown) for `reason`. */
  | {
      readonly kind: "deferCut";
      readonly cut: CutReason;
      readonly reason: DeferReason;
      readonly untilMs: number | undefined;
    }
  /**
   * Close the relay. `redrive` and `command` as for executeCut. `mode` present: only allow the close
   * (the customer closes it); absent: close directly.
   */
  | {
      readonly kind: "restore";
      readonly reason: RestoreReason;
      readonly redrive: number | undefined;
      readonly command: number;
      readonly mode?: "allow-close";
    }
  /** Call decide with a tick at (or soon after) atMs, epoch ms. Replaces any earlier wake. */
  | { readonly kind: "scheduleWake"; readonly atMs: number }
  /** Audit and uplink. */
  | { readonly kind: "event"; readonly event: DecisionEvent };

/** The new state (persist it) and the effects to perform in order. */
export interface DecisionResult {
  readonly state: DecisionState;
  readonly effects: readonly DecisionEffect[];
}

/** The state of a supply point the gateway has just taken over. */
export function initialDecisionState(init: {
  readonly balanceE7: number;
  readonly relay?: RelayPosition;
  readonly protection?: Protection | false;
  /** True when the relay is known to be open for arrears already. */
  readonly arrearsCut?: boolean;
}): DecisionState {
  return {
    balanceE7: init.balanceE7,
    relay: init.relay ?? "closed",
    protection: init.protection ?? false,
    remoteCut: undefined,
    notice: undefined,
    arrearsCut: init.arrearsCut ?? false,
    deferral: undefined,
    relayOpsMonoMs: [],
    mismatch: undefined,
    clock: undefined,
    wakeAtMs: undefined,
  };
}
