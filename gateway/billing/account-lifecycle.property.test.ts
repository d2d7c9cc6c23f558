/**
 * The account lifecycle as a property (issue 16): open, top-ups, adjustments, refunds and close in
 * random order, with restarts that close the real SQLite file and open it again with a new engine.
 * After every step the ledger balances (each account's entries sum to its balance, and its latest
 * balance-after is that balance) and the balance is what a simple model says: every top-up and refund
 * applies exactly once (a redelivery is a duplicate, another payment under a used number a refusal),
 * a refund never takes a balance below zero, and a closed account takes nothing more.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import type { Store } from "../store/index.ts";
import { TempStores } from "../../test/helpers/store/temp-store.ts";
import { rigSettings, startEngine } from "../../test/helpers/billing/engine-rig.ts";
import { PrepaidOperations } from "./operations.ts";

const temp = new TempStores();
afterEach(() => temp.cleanup());

const settings = rigSettings(`
gateway: { id: gw, dataDir: /unused, timezone: UTC }
buses: [{ id: b1, transport: tcp, host: 127.0.0.1 }]
meters:
  - { id: m1, bus: b1, unit: 1, profile: generic-prepaid, account: a1 }
  - { id: m2, bus: b1, unit: 2, profile: generic-prepaid }
accounts: [{ id: a1, tariff: flat, balance: "1.00" }]
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
policy: { cutNoticeMs: 0, friendlyPeriods: [], friendlyDays: [] }
`);

const E7_PER_FEN = 100_000;
const accountId = fc.constantFrom("a1", "c1");
const seq = fc.integer({ min: 1, max: 6 });
const fen = fc.integer({ min: 1, max: 400 });
type Step =
  | { op: "open" }
  | { op: "topup"; account: string; seq: number; fen: number }
  | { op: "adjust"; account: string; fen: number }
  | { op: "refund"; account: string; seq: number; fen: number }
  | { op: "close"; account: string }
  | { op: "restart" };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant({ op: "open" as const }),
  fc.record({ op: fc.constant("topup" as const), account: accountId, seq, fen }),
  fc.record({
    op: fc.constant("adjust" as const),
    account: accountId,
    fen: fc.integer({ min: -300, max: 300 }).filter((n) => n !== 0),
  }),
  fc.record({ op: fc.constant("refund" as const), account: accountId, seq, fen }),
  fc.record({ op: fc.constant("close" as const), account: accountId }),
  fc.constant({ op: "restart" as const }),
);

/** What the model knows of an account: balance in fen, applied purchases and refunds, closed. */
interface ModelAccount {
  balanceFen: number;
  purchases: Map<number, number>;
  refunds: Map<number, number>;
  closed: boolean;
}

/** Runs one step against the model; answers whether the gateway must accept it. */
function modelStep(model: Map<string, ModelAccount>, s: Exclude<Step, { op: "restart" }>): boolean {
  if (s.op === "open") {
    // The same opening again is a duplicate; a closed id is never reused.
    const existing = model.get("c1");
    if (existing !== undefined) return !existing.closed;
    model.set("c1", { balanceFen: 0, purchases: new Map(), refunds: new Map(), closed: false });
    return true;
  }
  const a = model.get(s.account);
  if (a === undefined || a.closed) return false;
  switch (s.op) {
    case "topup": {
      const applied = a.purchases.get(s.seq);
      if (applied !== undefined) return applied === s.fen; // the same purchase again: a duplicate
      if (s.seq !== a.purchases.size + 1) return false;
      a.purchases.set(s.seq, s.fen);
      a.balanceFen += s.fen;
      return true;
    }
    case "adjust":
      a.balanceFen += s.fen;
      return true;
    case "refund": {
      const applied = a.refunds.get(s.seq);
      if (applied !== undefined) return applied === s.fen;
      if (s.seq !== a.refunds.size + 1 || s.fen > a.balanceFen) return false;
      a.refunds.set(s.seq, s.fen);
      a.balanceFen -= s.fen;
      return true;
    }
    case "close":
      a.closed = true;
      return true;
  }
}

/** The step as the technician or the platform sends it to the operations. */
function send(ops: PrepaidOperations, s: Exclude<Step, { op: "restart" }>): boolean {
  const lifecycle = ops.lifecycle;
  switch (s.op) {
    case "open":
      return lifecycle.open({ account: "c1", customerNo: "CUST-1", meter: "m2", tariff: "flat" }).ok;
    case "topup":
      return ops.topup({
        account: s.account,
        purchaseSeq: s.seq,
        amountFen: s.fen,
        paymentRef: `P-${s.seq}-${s.fen}`,
        orderNo: `O-${s.account}-${s.seq}-${s.fen}`,
        source: "uplink",
      }).ok;
    case "adjust":
      return lifecycle.adjust({
        account: s.account,
        amountFen: s.fen,
        reason: "correction",
        operator: "op",
        source: "local",
      }).ok;
    case "refund":
      return lifecycle.refund({
        account: s.account,
        refundSeq: s.seq,
        amountFen: s.fen,
        reason: "refund",
        source: "uplink",
      }).ok;
    case "close":
      return lifecycle.close({ account: s.account, reason: "moved out", commandId: "tx-close-0001" }).ok;
  }
}

/** Every account's ledger sums to its balance and ends at it; top-ups and refunds are each posted once. */
function expectLedgerBalances(store: Store, model: Map<string, ModelAccount>): void {
  for (const [id, m] of model) {
    const account = store.accounts.require(id);
    const entries = store.ledger.forAccount(id, { limit: 10_000 });
    expect(entries.reduce((sum, e) => sum + e.amountE7, 0)).toBe(account.balanceE7);
    expect(entries.at(-1)?.balanceAfterE7 ?? 0).toBe(account.balanceE7);
    expect(account.balanceE7).toBe(m.balanceFen * E7_PER_FEN);
    expect(entries.filter((e) => e.kind === "topup").length).toBe(m.purchases.size);
    expect(entries.filter((e) => e.kind === "refund").length).toBe(m.refunds.size);
    expect(store.lifecycle.get(id)?.closedAtMs !== null).toBe(m.closed);
  }
}

describe("account lifecycle (property)", () => {
  it("keeps the ledger balanced and applies each operation exactly once, across restarts", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        const dir = temp.dir();
        const clock = new ManualClock(Date.UTC(2026, 0, 5, 12));
        let store = temp.open({ dataDir: dir, clock });
        let engine = startEngine({ store, clock, settings });
        const model = new Map<string, ModelAccount>([
          ["a1", { balanceFen: 100, purchases: new Map(), refunds: new Map(), closed: false }],
        ]);
        for (const s of steps) {
          clock.advance(1000);
          if (s.op === "restart") {
            await engine.stop();
            store.close();
            store = temp.open({ dataDir: dir, clock });
            engine = startEngine({ store, clock, settings });
          } else {
            const accepted = send(new PrepaidOperations(engine, store), s);
            expect(accepted, JSON.stringify(s)).toBe(modelStep(model, s));
          }
          expectLedgerBalances(store, model);
        }
        await engine.stop();
        store.close();
      }),
      { numRuns: 40 },
    );
  });
});
