import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { openStore, type Store } from "../store/index.ts";
import { MeterStatusWatch } from "./watch.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function open(dir: string): Store {
  return openStore({ dataDir: dir, clock: new ManualClock() });
}

describe("MeterStatusWatch", () => {
  it("raises each change once, across a restart, with the events' wording", () => {
    const dir = mkdtempSync(join(tmpdir(), "status-watch-"));
    dirs.push(dir);
    let store = open(dir);
    new MeterStatusWatch(store).observe("m1", "a1", { counters: { coverOpen: 2, powerDown: 7 } });
    new MeterStatusWatch(store).observe("m1", "a1", {
      relay: { closed: true, openCommanded: true },
      counters: { coverOpen: 3, powerDown: 7 },
    });
    store.close();
    store = open(dir);
    const watch = new MeterStatusWatch(store);
    watch.observe("m1", "a1", { relay: { closed: true, openCommanded: true }, counters: { coverOpen: 3 } });
    watch.observe("m1", "a1", { relay: { closed: false, openCommanded: true }, counters: { powerDown: 8 } });
    const events = store.events.list({ limit: 100 }).map((e) => {
      const body = e.payload as { message: string; data: unknown };
      return [e.type, e.meterId, e.accountId, body.message, body.data];
    });
    expect(events).toEqual([
      [
        "relay.state-disagrees",
        "m1",
        "a1",
        "meter m1: relay is closed but the meter's command is open (bypass, welded contact or a manual close?)",
        { relayClosed: true, openCommanded: true },
      ],
      [
        "tamper",
        "m1",
        "a1",
        "meter m1: meter cover opened since the last read",
        { signal: "cover-open", count: 3, previousCount: 2 },
      ],
      [
        "relay.state-agrees",
        "m1",
        "a1",
        "meter m1: relay open as commanded again",
        { relayClosed: false, openCommanded: true },
      ],
      [
        "meter.power-down",
        "m1",
        "a1",
        "meter m1: power down since the last read",
        { signal: "power-down", count: 8, previousCount: 7 },
      ],
    ]);
    expect(store.outbox.backlogCount("events")).toBe(4);
    store.close();
  });
});
