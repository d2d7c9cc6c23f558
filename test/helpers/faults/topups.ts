/**
 * A payment platform sending signed top-ups while the gateway is being killed: one purchase at a time
 * per the purchase-count rule (DOMAIN.md section 2), each resent until the gateway answers. A resend
 * carries the same transaction (a platform that retries) or, now and then, a new one for the same
 * purchase (a platform that lost track of its transaction id): either way the purchase must be credited
 * once. Requests go through the real broker, so ones published while the gateway is down wait in its
 * persistent session.
 */
import type { MqttClient } from "mqtt";
import { nextTransaction, signedRequest, testGatewayId } from "../uplink/fixtures.ts";
import type { BillingFacts } from "./billing-facts.ts";
import type { Random } from "./random.ts";

/** A purchase the gateway confirmed (applied, duplicate of an applied one, or replayed). */
export interface ConfirmedPurchase {
  readonly account: string;
  readonly seq: number;
  readonly amountFen: number;
}

interface Response {
  status: "ok" | "error";
  code?: string;
  /** Set when the transaction had already executed: the original result. */
  replayed?: boolean;
  message?: string;
  result?: { status?: string };
}

/** How long to wait for an answer before sending the purchase again, ms. */
const RESEND_AFTER_MS = 1500;
/** Pause between purchases, ms (random up to this). */
const PAUSE_MS = 400;

export class TopupSender {
  readonly confirmed: ConfirmedPurchase[] = [];
  readonly failures: string[] = [];
  /** Counts for the report. */
  readonly counts = {
    sent: 0,
    resent: 0,
    newTransaction: 0,
    replayed: 0,
    duplicate: 0,
    expired: 0,
    replayChecks: 0,
  };
  private readonly responses = new Map<string, Response>();
  private lastRequest: { body: string; transaction: string } | undefined;
  private running = false;
  /** After {@link stop}: give up on an unanswered purchase at this performance.now(), ms. */
  private giveUpAt = Number.POSITIVE_INFINITY;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: MqttClient,
    private readonly accounts: readonly string[],
    private readonly random: Random,
  ) {
    client.on("message", (topic, payload) => {
      if (topic !== `mg/${testGatewayId}/response/topup`) return;
      try {
        const response = JSON.parse(payload.toString()) as Response & { transaction?: string };
        if (typeof response.transaction === "string") this.responses.set(response.transaction, response);
      } catch {
        // Not ours to judge here: the fuzz scenario checks response shapes.
      }
    });
  }

  /** Starts sending purchases in the background until {@link stop}. */
  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the purchase in flight (the gateway must be running) and stops. */
  async stop(timeoutMs = 30_000): Promise<void> {
    this.running = false;
    this.giveUpAt = performance.now() + timeoutMs;
    await this.loop;
  }

  /** The purchases confirmed so far, per account (the last applied purchase count). */
  confirmedSeqs(): Map<string, number> {
    const seqs = new Map<string, number>();
    for (const p of this.confirmed) seqs.set(p.account, p.seq);
    return seqs;
  }

  /**
   * Sends the last confirmed request again, as a platform does after it saw the gateway restart; the
   * gateway must answer it with the original result marked `replayed` (or EXPIRED, or REPLAYED when no
   * result was kept) and credit nothing. Resolves with the answer's code ("replayed" for the first).
   */
  async replayLast(): Promise<string | undefined> {
    const last = this.lastRequest;
    if (last === undefined) return undefined;
    this.responses.delete(last.transaction);
    await this.client.publishAsync(`mg/${testGatewayId}/request/topup`, last.body, { qos: 1 });
    const response = await this.answer(last.transaction, 10_000);
    const code =
      response?.replayed === true
        ? "replayed"
        : response?.status === "ok"
          ? `ok ${response.result?.status}`
          : response?.code;
    this.counts.replayChecks++;
    if (code !== "replayed" && code !== "REPLAYED" && code !== "EXPIRED")
      this.failures.push(
        `a replayed top-up was answered ${code ?? "nothing"} (expected its original result)`,
      );
    return code;
  }

  private async run(): Promise<void> {
    const next = new Map<string, number>();
    while (this.running) {
      const account = this.random.pick(this.accounts);
      const seq = (next.get(account) ?? 0) + 1;
      const amountFen = this.random.int(100, 5000);
      await this.purchase(account, seq, amountFen);
      next.set(account, seq);
      await new Promise((resolve) => setTimeout(resolve, this.random.int(0, PAUSE_MS)));
    }
  }

  /** Sends one purchase until the gateway confirms it; records anything but a confirmation as a failure. */
  private async purchase(account: string, seq: number, amountFen: number): Promise<void> {
    const params = { account, amountFen, purchaseSeq: seq, paymentRef: `PAY-${account}-${seq}` };
    let transaction = nextTransaction();
    let body = JSON.stringify(signedRequest("topup", params, { nowMs: Date.now(), transaction }));
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 && this.random.int(0, 3) === 0) {
        transaction = nextTransaction();
        body = JSON.stringify(signedRequest("topup", params, { nowMs: Date.now(), transaction }));
        this.counts.newTransaction++;
      }
      await this.client.publishAsync(`mg/${testGatewayId}/request/topup`, body, { qos: 1 });
      if (attempt === 0) this.counts.sent++;
      else this.counts.resent++;
      const response = await this.answer(transaction, RESEND_AFTER_MS);
      if (response === undefined && performance.now() > this.giveUpAt) {
        this.failures.push(`top-up ${account} #${seq}: no answer after ${attempt + 1} sends`);
        return;
      }
      if (response === undefined) continue;
      if (response.status === "error" && response.code === "EXPIRED") {
        this.counts.expired++;
        transaction = nextTransaction();
        body = JSON.stringify(signedRequest("topup", params, { nowMs: Date.now(), transaction }));
        continue;
      }
      const confirmed =
        (response.status === "ok" && ["applied", "duplicate"].includes(response.result?.status ?? "")) ||
        response.code === "REPLAYED";
      if (!confirmed) {
        this.failures.push(
          `top-up ${account} #${seq} answered ${response.code ?? response.result?.status}: ${response.message ?? ""}`,
        );
        return;
      }
      if (response.code === "REPLAYED" || response.replayed === true) this.counts.replayed++;
      if (response.result?.status === "duplicate") this.counts.duplicate++;
      this.confirmed.push({ account, seq, amountFen });
      this.lastRequest = { body, transaction };
      return;
    }
  }

  private async answer(transaction: string, timeoutMs: number): Promise<Response | undefined> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const response = this.responses.get(transaction);
      if (response !== undefined) return response;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return undefined;
  }
}

/** 1 fen = 0.01 yuan = 100 000 e7. */
const E7_PER_FEN = 100_000;

/**
 * Failures when the ledger's top-ups differ from the confirmed purchases: each confirmed purchase applied
 * exactly once with its amount, and nothing else credited.
 */
export function exactlyOnceFailures(
  stored: ReadonlyMap<string, ReadonlyArray<{ seq: number; amountE7: number }>>,
  confirmed: readonly ConfirmedPurchase[],
): string[] {
  const expected = new Map<string, string>();
  for (const p of confirmed)
    expected.set(p.account, `${expected.get(p.account) ?? ""}${p.seq}:${p.amountFen * E7_PER_FEN} `);
  const failures: string[] = [];
  for (const account of new Set([...expected.keys(), ...stored.keys()])) {
    const got = (stored.get(account) ?? []).map((p) => `${p.seq}:${p.amountE7} `).join("");
    if (got !== (expected.get(account) ?? ""))
      failures.push(
        `account ${account}: ledger top-ups [${got.trim()}], confirmed [${expected.get(account)?.trim() ?? ""}]`,
      );
  }
  return failures;
}

/** Failures when the file holds fewer purchases than the platform had confirmed (a lost commit). */
export function lostPurchases(
  facts: Pick<BillingFacts, "purchases">,
  confirmed: ReadonlyMap<string, number>,
): string[] {
  const failures: string[] = [];
  for (const [account, seq] of confirmed) {
    const stored = facts.purchases.get(account)?.length ?? 0;
    if (stored < seq)
      failures.push(`account ${account}: purchase ${seq} was confirmed but only ${stored} are stored`);
  }
  return failures;
}
