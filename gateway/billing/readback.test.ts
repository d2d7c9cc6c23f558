/**
 * Relay read-backs: a relay position read before a relay write cannot confirm or contradict it. A cut
 * decided while a batch is charged used to be judged against the relay position in that same batch
 * (read before the cut existed) and raised a false relay.mismatch, then re-drove the relay.
 */
import { afterEach, describe, expect, it } from "vitest";
import { closeEngineRigs, noticeRigConfig, openEngineRig } from "../../test/helpers/billing/engine-rig.ts";

afterEach(closeEngineRigs);

/** The usual rig with no cut notice: a charge into arrears cuts in the same unit of work. */
const immediateCut = () => openEngineRig(noticeRigConfig.replace("cutNoticeMs: 60000", "cutNoticeMs: 0"));
const relayEvents = (types: string[]) => types.filter((t) => t.startsWith("relay.") || t.startsWith("cut."));

describe("relay read-back", () => {
  it("does not judge a cut by the relay position read before it (same reading, same batch)", async () => {
    const { clock, relays, engine, read, eventTypes, ingest } = immediateCut();
    ingest([read("m1", 1000)]);
    clock.advance(3_600_000);
    // Both readings were polled before any cut: the relay reads closed in each.
    const first = read("m1", 2100); // 1.1 kWh: balance -0.10, at the overdraft limit of 0
    const second = { ...read("m1", 2101), monoMs: first.monoMs, wallMs: first.wallMs };
    ingest([first, second]);
    await engine.relaysSettled();
    expect(relays.writes).toEqual([["m1", false]]);
    expect(relayEvents(eventTypes())).toEqual(["cut.announced@m1", "cut.done@m1"]);

    // Later polls read the relay open, as commanded: still nothing to report, nothing re-driven.
    for (let i = 1; i <= 5; i++) {
      clock.advance(60_000);
      ingest([read("m1", 2101)]);
    }
    await engine.relaysSettled();
    expect(relays.writes).toEqual([["m1", false]]);
    expect(relayEvents(eventTypes())).toEqual(["cut.announced@m1", "cut.done@m1"]);
  });

  it("still reports a relay that a poll after the write finds in the wrong position, and re-drives it", async () => {
    const { clock, relays, engine, read, eventTypes, ingest } = immediateCut();
    ingest([read("m1", 1000)]);
    clock.advance(3_600_000);
    ingest([read("m1", 2100)]);
    await engine.relaysSettled();
    expect(relays.writes).toEqual([["m1", false]]);
    // Someone closes it by hand; the next poll, taken after the write, sees it.
    clock.advance(10_000);
    ingest([read("m1", 2100, {}, true)]);
    expect(relayEvents(eventTypes())).toEqual(["cut.announced@m1", "cut.done@m1", "relay.mismatch@m1"]);
    clock.advance(60_000); // the first re-drive is due 60 s after the mismatch
    await engine.relaysSettled();
    expect(relays.writes).toEqual([
      ["m1", false],
      ["m1", false],
    ]);
  });
});
