/**
 * Why a due cut has not run yet, in plain words, for the people who ask: `status`, /status, /healthz
 * and the technician's web page. The reasons are the decision's deferral reasons (prepaid/decision-types.ts
 * DeferReason): keep-power (boot, platform silence, keep-power hours), heavy load, the relay cap, and
 * the friendly periods.
 */

/** Why a due cut waits, in plain words (the deferral reasons of prepaid/decision-types.ts). */
export function waitingFor(reason: string, currentA: number | undefined): string {
  switch (reason) {
    case "heavy-load":
      return `the load to drop: the meter draws ${currentA ?? "?"} A, above policy.tripMaxCurrentA`;
    case "keep-power-silence":
      return "the platform: no valid signed command within policy.keepPowerAfterSilenceMin (keep-power)";
    case "keep-power-boot":
      return "the keep-power period after start-up to end";
    case "keep-power-period":
      return "the keep-power hours (policy.keepPowerWindows) to end";
    case "rate-limit":
      return "the relay cap (policy.maxRelayOpsPerHour)";
    default:
      return `the friendly period (${reason}) to end`;
  }
}
