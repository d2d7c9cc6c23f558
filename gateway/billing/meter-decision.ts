/**
 * Feeds one input to a meter's pure cutoff decision (prepaid/decision.ts) and carries its effects into
 * the unit of work: events are recorded, relay switches become audited relay operations and, with
 * wakes, are queued to run after commit.
 */
import { wholeMs, type Clock } from "../../core/clock.ts";
import { decide, type DecisionConfig, type DecisionEffect, type PlatformContact } from "../prepaid/index.ts";
import type { Store } from "../store/index.ts";
import { effectEvent } from "../uplink/event-specs/index.ts";
import { requesterOf } from "../uplink/commands/local-source.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";
import type { QueuedEffect, UnstampedInput } from "./queued-effects.ts";
import { closeNotAllowedOf, restoreModeOf, type PrepaidSettings } from "./settings.ts";
import type { EngineState } from "./state.ts";

/** What deciding for a meter reads. */
export interface DecisionContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly settings: PrepaidSettings;
  readonly state: EngineState;
  /** This run of the engine (clock-check.ts). */
  readonly run: string;
  /** Whether the meter can restore by allow-close (else every restore is direct). */
  readonly canAllowClose: (meterId: string) => boolean;
  /** The platform contact for the keep-power safeguards (platform-silence.ts); absent: not watched. */
  readonly contact?: (() => PlatformContact | undefined) | undefined;
}

/** Feeds `input` to a meter's decision (if it has one and bills to an account); queues its effects. */
export function decideMeter(
  ctx: DecisionContext,
  meterId: string,
  input: UnstampedInput,
  queued: QueuedEffect[],
): void {
  const meterState = ctx.state.meter(meterId);
  if (meterState.decision === undefined) return;
  const accountId = ctx.settings.meterAccount.get(meterId);
  if (accountId === undefined) return;
  const account = ctx.store.accounts.require(accountId);
  const config: DecisionConfig = {
    overdraftLimitE7: account.thresholds.overdraftLimitE7,
    closeAllowedMinE7: account.thresholds.closeAllowedMinE7,
    policy: ctx.settings.policy,
    timeZone: ctx.settings.timeZone,
    restoreMode: ctx.canAllowClose(meterId) ? restoreModeOf(ctx.settings, meterId, account) : "direct",
    ...safeguardsOf(ctx, accountId, account.extras),
  };
  const stamp = {
    wallMs: wholeMs(ctx.clock.now()),
    monoMs: wholeMs(ctx.clock.monotonicMs()),
    run: ctx.run,
  };
  const result = decide(meterState.decision, { ...input, ...stamp }, config);
  meterState.decision = result.state;
  const subject = { meterId, accountId };
  for (const effect of result.effects) {
    const event = effectEvent(effect, subject);
    if (event !== undefined) recordEvent(ctx.store, event);
    const next = queuedEffectOf(ctx.store, effect, subject, input);
    if (next !== undefined) queued.push(next);
    // The meter's own keep-power follows the account's (3A / 3B), so a trip sent by anyone is refused.
    if (
      effect.kind === "event" &&
      (effect.event.type === "protection-on" || effect.event.type === "protection-off")
    )
      queued.push({
        kind: "control",
        meterId,
        control: "keep-power",
        on: effect.event.type === "protection-on",
      });
  }
}

/** The account's pre-trip and "close not allowed" flag (close-not-allowed.ts), and the platform contact. */
function safeguardsOf(
  ctx: DecisionContext,
  accountId: string,
  extras: Readonly<Record<string, unknown>>,
): Pick<DecisionConfig, "contact" | "preTrip" | "closeNotAllowed"> {
  const contact = ctx.contact?.();
  const preTrip = ctx.settings.accounts.get(accountId)?.preTrip;
  return {
    ...(contact === undefined ? {} : { contact }),
    ...(preTrip === undefined ? {} : { preTrip }),
    ...(closeNotAllowedOf(extras) === undefined ? {} : { closeNotAllowed: true }),
  };
}

/** The queued effect of a decision effect: an audited relay operation, a wake, or nothing. */
function queuedEffectOf(
  store: Store,
  effect: DecisionEffect,
  subject: { meterId: string; accountId: string },
  input: UnstampedInput,
): QueuedEffect | undefined {
  switch (effect.kind) {
    case "executeCut":
    case "restore": {
      const closed = effect.kind === "restore";
      const op = store.relayOps.request({
        ...subject,
        action: closed ? "restore" : "cut",
        reason: relayOpReason(effect, input),
        requestedBy:
          effect.reason !== "remote"
            ? "prepaid"
            : input.kind === "remote"
              ? requesterOf(input.commandId)
              : "platform",
        ...(input.kind === "remote" ? { commandTxId: input.commandId } : {}),
      });
      return {
        kind: "relay",
        ...subject,
        closed,
        reason: effect.reason,
        redrive: effect.redrive,
        opId: op.id,
        command: effect.command,
        ...(effect.kind === "restore" && effect.mode !== undefined ? { mode: effect.mode } : {}),
      };
    }
    case "scheduleWake":
      return { kind: "wake", meterId: subject.meterId, atMs: effect.atMs };
    case "announceCut":
    case "cancelCut":
    case "deferCut":
    case "event":
      return undefined;
  }
}

/**
 * The relay operation's reason: the decision's (`arrears`, `remote`, ...), with the re-drive count; a
 * local technician's operation also carries the technician's words, so the audit trail says why.
 */
function relayOpReason(
  effect: { reason: string; redrive?: number | undefined },
  input: UnstampedInput,
): string {
  const base =
    effect.reason === "remote" && input.kind === "remote" && requesterOf(input.commandId) === "technician"
      ? `remote: ${input.reason}`
      : effect.reason;
  return effect.redrive === undefined ? base : `${base} (re-drive ${effect.redrive})`;
}
