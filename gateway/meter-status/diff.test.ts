import { describe, expect, it } from "vitest";
import { diffMeterStatus, type StatusMemory, type StatusObservation } from "./diff.ts";

const closed = { closed: true, openCommanded: false };
const tripped = { closed: false, openCommanded: true };
const allowed = { closed: false, openCommanded: false };
const bypassed = { closed: true, openCommanded: true };

describe("diffMeterStatus", () => {
  const table: Array<[string, StatusMemory | undefined, StatusObservation, string[], StatusMemory]> = [
    // [case, memory before, observation, change kinds, memory after]
    ["first look, all well", undefined, { relay: closed }, [], { relayDisagrees: false }],
    ["first look, tripped as commanded", undefined, { relay: tripped }, [], { relayDisagrees: false }],
    [
      "closed while an open command is in force",
      { relayDisagrees: false },
      { relay: bypassed },
      ["relay-disagrees"],
      { relayDisagrees: true },
    ],
    [
      "still so: no second event",
      { relayDisagrees: true },
      { relay: bypassed },
      [],
      { relayDisagrees: true },
    ],
    [
      "back to agreeing",
      { relayDisagrees: true },
      { relay: tripped },
      ["relay-agrees"],
      { relayDisagrees: false },
    ],
    [
      "open, close allowed, waiting for the button",
      { relayDisagrees: false },
      { relay: allowed, awaitingButton: true },
      [],
      { relayDisagrees: false },
    ],
    [
      "open, nothing commands it open, no restore waiting",
      { relayDisagrees: false },
      { relay: allowed },
      ["relay-disagrees"],
      { relayDisagrees: true },
    ],
    [
      "a meter without the command bit says nothing",
      { relayDisagrees: true },
      { relay: { closed: true } },
      [],
      { relayDisagrees: true },
    ],
    [
      "first counters are remembered only",
      undefined,
      { counters: { coverOpen: 3, powerDown: 17 } },
      [],
      { counters: { coverOpen: 3, powerDown: 17 } },
    ],
    [
      "cover opened twice more",
      { counters: { coverOpen: 3 } },
      { counters: { coverOpen: 5 } },
      ["counter:coverOpen"],
      { counters: { coverOpen: 5 } },
    ],
    [
      "same counts: nothing",
      { counters: { coverOpen: 5, powerDown: 2 } },
      { counters: { coverOpen: 5, powerDown: 2 } },
      [],
      { counters: { coverOpen: 5, powerDown: 2 } },
    ],
    [
      "a counter that went down (meter cleared) is remembered",
      { counters: { powerDown: 9 } },
      { counters: { powerDown: 0 } },
      [],
      { counters: { powerDown: 0 } },
    ],
    [
      "then counts up from there",
      { counters: { powerDown: 0 } },
      { counters: { powerDown: 1 } },
      ["counter:powerDown"],
      { counters: { powerDown: 1 } },
    ],
    [
      "magnetic field and power down at once",
      { counters: { magneticInterference: 0, powerDown: 4 } },
      { counters: { magneticInterference: 1, powerDown: 5 } },
      ["counter:magneticInterference", "counter:powerDown"],
      { counters: { magneticInterference: 1, powerDown: 5 } },
    ],
    [
      "counters not read this time keep their memory",
      { relayDisagrees: false, counters: { coverOpen: 1 } },
      { relay: closed },
      [],
      { relayDisagrees: false, counters: { coverOpen: 1 } },
    ],
  ];
  it.each(table)("%s", (_name, memory, observation, kinds, after) => {
    const result = diffMeterStatus(memory, observation);
    expect(result.changes.map((c) => (c.kind === "counter" ? `counter:${c.counter}` : c.kind))).toEqual(
      kinds,
    );
    expect(result.memory).toEqual(after);
  });

  it("a counter change says how many happened", () => {
    expect(diffMeterStatus({ counters: { coverOpen: 3 } }, { counters: { coverOpen: 5 } }).changes).toEqual([
      { kind: "counter", counter: "coverOpen", count: 5, previous: 3 },
    ]);
  });
});
