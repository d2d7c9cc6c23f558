/**
 * The smallest prepaid site of the billing tests: one meter `m1` on account `a1` (500.00 yuan) at a flat
 * 1.0000 yuan/kWh, no cut notice, no friendly periods; and the billing records a rig has queued.
 */
import type { EngineRig } from "./engine-rig.ts";

/** Config text of the site (UTC, so local days are UTC days). */
export const flatSiteConfig = `
gateway: { id: gw, dataDir: /unused, timezone: UTC }
buses: [{ id: b1, transport: tcp, host: 127.0.0.1 }]
meters:
  - { id: m1, bus: b1, unit: 1, profile: generic-prepaid, account: a1 }
accounts:
  - { id: a1, tariff: flat, balance: "500.00", hoardingLimit: "100000.00", overdraftLimit: "0", closeAllowedMin: "0.20" }
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
policy: { cutNoticeMs: 0, friendlyPeriods: [], friendlyDays: [], maxRelayOpsPerHour: 10 }
`;

/** Bodies of the `billing` records of `kind` the rig has queued (up to 1,000), in stream order. */
export function billingOfKind(rig: Pick<EngineRig, "store">, kind: string): Array<Record<string, unknown>> {
  return rig.store.outbox
    .fetchUndelivered("billing", { limit: 1000 })
    .map((r) => r.payload as Record<string, unknown>)
    .filter((p) => p["kind"] === kind);
}
