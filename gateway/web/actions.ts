/**
 * The signed-in technician's actions, as JSON bodies checked here and carried out by the technician
 * operations (the MQTT commands' operations, audited like them). Money is entered in yuan on the page
 * and sent as whole fen, as the `topup` command carries it.
 */
import * as z from "zod";
import type { TechnicianOps, TechnicianOutcome } from "../service/technician-ops.ts";

const meterId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "a meter id");
const reason = z.string().trim().min(1, "a reason is required").max(200);

const bodies = {
  "read-now": z.strictObject({ meter: meterId }),
  "relay-test": z.strictObject({ meter: meterId, confirm: z.literal(true) }),
  "anomaly-resolve": z.strictObject({
    meter: meterId,
    anomaly: z.number().int().positive(),
    action: z.enum(["charge", "waive"]),
    reason,
  }),
  "meter-swap": z.strictObject({ meter: meterId, serial: z.number().int().positive(), reason }),
  topup: z.strictObject({
    account: meterId,
    amountFen: z.number().int().min(1).max(100_000_000),
    purchaseSeq: z.number().int().min(1).max(2_147_483_647),
    paymentRef: z.string().trim().min(1).max(128),
  }),
} as const;

/** Names of the actions, as in POST /api/ui/actions/{name}. */
export type ActionName = keyof typeof bodies;

export function isActionName(name: string): name is ActionName {
  return Object.hasOwn(bodies, name);
}

/** A refusal before the operation ran: the body does not fit the action. */
export interface ActionSchemaError {
  readonly ok: false;
  readonly code: "SCHEMA";
  readonly message: string;
}

/** Checks the body and runs the action; the outcome is the operation's, audited by it. */
export async function runAction(
  ops: TechnicianOps,
  name: ActionName,
  body: unknown,
): Promise<TechnicianOutcome<unknown> | ActionSchemaError> {
  const parsed = bodies[name].safeParse(body);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
    return { ok: false, code: "SCHEMA", message };
  }
  const p = parsed.data;
  switch (name) {
    case "read-now":
      return ops.readNow((p as z.infer<(typeof bodies)["read-now"]>).meter, "web");
    case "relay-test":
      return ops.relayTest((p as z.infer<(typeof bodies)["relay-test"]>).meter, "web");
    case "anomaly-resolve":
      return ops.anomalyResolve(p as z.infer<(typeof bodies)["anomaly-resolve"]>, "web");
    case "meter-swap":
      return ops.meterSwap(p as z.infer<(typeof bodies)["meter-swap"]>, "web");
    case "topup":
      return ops.topup(p as z.infer<(typeof bodies)["topup"]>, "web");
  }
}
