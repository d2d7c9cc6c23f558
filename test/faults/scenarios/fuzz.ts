/**
 * Command fuzzing against the real service through the real broker: random and malformed payloads on
 * every request topic and on made-up ones (the generators of test/helpers/uplink/command-fuzz.ts), plus
 * crafted ones that are well formed but must be refused: expired, not yet valid, too long-lived, forged
 * signatures, signed for another command or gateway, replays of executed commands, domain refusals.
 * docs/mqtt.md 6.6: every request is answered, a refused one changes nothing but the audit trail.
 */
import Database from "better-sqlite3";
import fc from "fast-check";
import { errorResponseSchema } from "../../../gateway/uplink/commands/response.ts";
import { signedRequest, testGatewayId } from "../../helpers/uplink/fixtures.ts";
import { waitFor } from "../../helpers/index.ts";
import { fuzzMessage, validParams } from "../../helpers/uplink/command-fuzz.ts";
import type { Received } from "../../helpers/platform.ts";
import { seededRandom } from "../../helpers/faults/random.ts";
import type { ServiceUnderTest } from "../../helpers/service.ts";
import { craftedSample, type Sample } from "../../helpers/faults/crafted-commands.ts";
import { startSite, type Site } from "../../helpers/faults/site.ts";
import { faultResult, type FaultResult, type FaultScenario } from "../types.ts";

const CHECKED =
  "every message answered with an error response (crafted ones with their code); balances, ledger, " +
  "relay_ops, accounts, tariffs and executed commands unchanged; service healthy and a valid top-up still applies";

/** Fuzzed commands per size: 2,000 for the full run (issue 10). */
const MESSAGES = { quick: 200, full: 2000 } as const;
/** Published before waiting for their answers: well below mosquitto's 1000 queued messages per client. */
const CHUNK = 100;

/** The state a refused command must leave unchanged (audit records aside), read from the file. */
function domainState(dbFile: string): string {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const all = (sql: string) => db.prepare(sql).all();
    return JSON.stringify({
      accounts: all("SELECT * FROM accounts ORDER BY id").map((row) => ({
        ...(row as object),
        updated_at_ms: 0,
      })),
      ledger: all("SELECT count(*) AS n, coalesce(sum(amount_e7), 0) AS sum FROM ledger"),
      relayOps: all("SELECT count(*) AS n FROM relay_ops"),
      tariffs: all("SELECT id, kind, definition_json FROM tariffs ORDER BY id"),
      commandsSeen: all("SELECT count(*) AS n FROM commands_seen"),
    });
  } finally {
    db.close();
  }
}

/**
 * Executes two valid commands whose requests are then replayed by the fuzzer: answered with the original
 * result, marked `replayed` (expected code "replayed" below), never executed again.
 */
async function replayable(site: Site): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const [command, params] of [
    ["topup", validParams["topup"]!],
    ["time.check", {}],
  ] as const) {
    const request = signedRequest(command, params, { nowMs: Date.now(), ttlMs: 900_000 });
    const response = await site.platform.request(command, request);
    if (response.status !== "ok") throw new Error(`valid ${command} refused: ${JSON.stringify(response)}`);
    const transaction = request["transaction"] as string;
    samples.push({ command, payload: JSON.stringify(request), expect: { transaction, codes: ["replayed"] } });
  }
  return samples;
}

/** What a response answered: its error code, or "replayed" for a replayed transaction's original result. */
const answerOf = (payload: Record<string, unknown>): string | undefined =>
  payload["replayed"] === true ? "replayed" : (payload["code"] as string | undefined);

/** Checks each response: an error response (or a replay), and for crafted requests the expected code. */
function responseFailures(samples: readonly Sample[], responses: readonly Received[]): string[] {
  const failures: string[] = [];
  const byTransaction = new Map<unknown, Received>();
  for (const r of responses) {
    byTransaction.set(r.payload["transaction"], r);
    const parsed = errorResponseSchema.safeParse(r.payload);
    if (!parsed.success && answerOf(r.payload) !== "replayed")
      failures.push(`not an error response on ${r.topic}: ${JSON.stringify(r.payload).slice(0, 200)}`);
  }
  for (const s of samples) {
    if (s.expect === undefined) continue;
    const answered = byTransaction.get(s.expect.transaction);
    const code = answered === undefined ? undefined : answerOf(answered.payload);
    if (code === undefined || !s.expect.codes.includes(code))
      failures.push(
        `${s.command} ${s.expect.transaction}: answered ${code ?? "nothing"}, expected ${s.expect.codes.join(" or ")}`,
      );
  }
  return failures;
}

/** Publishes the samples in chunks, each chunk once its predecessor is answered; returns the answers. */
async function sendAll(
  site: Site,
  service: ServiceUnderTest,
  samples: readonly Sample[],
): Promise<Received[]> {
  const isResponse = (m: Received) => m.topic.startsWith(`mg/${testGatewayId}/response/`);
  const from = site.platform.messages.length;
  const responses = () => site.platform.messages.slice(from).filter(isResponse);
  for (let start = 0; start < samples.length; start += CHUNK) {
    const chunk = samples.slice(start, start + CHUNK);
    await Promise.all(
      chunk.map((s) =>
        site.platform.client.publishAsync(`mg/${testGatewayId}/request/${s.command}`, s.payload, { qos: 1 }),
      ),
    );
    const sent = start + chunk.length;
    await waitFor(() => service.process.hasExited() || responses().length >= sent, {
      timeoutMs: 30_000,
      intervalMs: 50,
      description: `answers to ${sent} messages`,
    }).catch(() => undefined);
    if (service.process.hasExited())
      throw new Error(`the service exited during the fuzz:\n${service.process.output()}`);
  }
  return responses();
}

/** The fuzz scenario; see the module comment. */
export const scenario: FaultScenario = async ({ size }) => {
  const random = seededRandom();
  const began = performance.now();
  const failures: string[] = [];
  // Meters that draw nothing: nothing is charged, so the ledger changes only if a command changes it.
  const site = await startSite({ meters: 2, pollIntervalMs: 200, powerW: 0 });
  let figures: FaultResult["figures"] = {};
  try {
    const total = MESSAGES[size];
    const craftedCount = Math.round(total * 0.3);
    // Generated before anything runs: the simulated meters share this process's event loop.
    const generated = fc.sample(fuzzMessage, { numRuns: total - craftedCount, seed: random.seed });
    const service = await site.start();
    const replays = await replayable(site);
    const before = domainState(site.dbFile);
    const samples: Sample[] = [
      ...generated.map(([command, payload]) => ({ command, payload })),
      ...fc.sample(craftedSample(replays), { numRuns: craftedCount, seed: random.seed }),
    ].sort(() => random.next() - 0.5);
    const t0 = performance.now();
    const responses = await sendAll(site, service, samples);
    const seconds = (performance.now() - t0) / 1000;
    if (responses.length !== samples.length)
      failures.push(`${samples.length} messages, ${responses.length} answers`);
    const wrong = responseFailures(samples, responses);
    failures.push(...wrong.slice(0, 10), ...(wrong.length > 10 ? [`... and ${wrong.length - 10} more`] : []));
    if (domainState(site.dbFile) !== before)
      failures.push("the fuzz changed balances, ledger, relay_ops, accounts, tariffs or executed commands");
    failures.push(...(await stillServing(site, service)));
    const codes = new Set(responses.map((r) => r.payload["code"]));
    figures = {
      messages: samples.length,
      crafted: craftedCount,
      answers: responses.length,
      "distinct codes": codes.size,
      "answers/s": Math.round(responses.length / seconds),
      seed: random.seed,
    };
  } catch (error) {
    failures.push(`scenario stopped: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await site.close();
  }
  return faultResult({
    fault: "command fuzzing",
    runs: typeof figures["messages"] === "number" ? figures["messages"] : 0,
    checked: CHECKED,
    figures: { ...figures, seconds: Math.round((performance.now() - began) / 1000) },
    failures,
  });
};

/** After the fuzz: /healthz ok, a valid top-up applies, and SIGTERM stops the service cleanly. */
async function stillServing(site: Site, service: ServiceUnderTest): Promise<string[]> {
  const failures: string[] = [];
  const health = await service.health();
  if (health.status !== "ok") {
    const meters = ((await service.status())["meters"] ?? []) as Array<{ id: string; lastError?: string }>;
    const errors = meters.filter((m) => m.lastError).map((m) => `${m.id}: ${m.lastError}`);
    failures.push(`/healthz ${health.status}: ${health.reasons.join("; ")} (${errors.join("; ")})`);
  }
  const request = signedRequest("topup", { ...validParams["topup"], purchaseSeq: 2 }, { nowMs: Date.now() });
  const response = await site.platform.request("topup", request);
  if (response.status !== "ok")
    failures.push(`a valid top-up after the fuzz was refused: ${JSON.stringify(response)}`);
  const stopped = await service.stop();
  if (stopped.code !== 0) failures.push(`SIGTERM after the fuzz: exit ${stopped.code}`);
  return failures;
}
