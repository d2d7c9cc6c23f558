/** An account's stored keep-power as the cutoff decision takes it. */
import type { Protection } from "../prepaid/index.ts";

/** `false` when the account is not protected; otherwise its reason and optional end (epoch ms). */
export function toProtection(p: { reason: string; untilMs: number | null } | null): Protection | false {
  return p === null ? false : { reason: p.reason, ...(p.untilMs === null ? {} : { untilMs: p.untilMs }) };
}
