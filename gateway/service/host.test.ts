import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { HostProbe } from "./host.ts";

/** A probe whose NTP questions the test answers by hand. */
function probeWithHandAnswers() {
  const clock = new ManualClock();
  const pending: Array<(synchronised: boolean | undefined) => void> = [];
  let abandoned = 0;
  const probe = new HostProbe(clock, {
    refreshMs: 60_000,
    ask: (_timeoutMs, answer) => {
      pending.push(answer);
      return () => (abandoned += 1);
    },
  });
  return { clock, probe, pending, abandoned: () => abandoned };
}

describe("HostProbe", () => {
  it("serves the last NTP answer without waiting for the question in flight", () => {
    const { probe, pending } = probeWithHandAnswers();
    probe.start();
    expect(pending).toHaveLength(1);
    expect(probe.ntpSynchronised()).toBeUndefined(); // asked, not answered: health does not wait
    pending[0]!(false);
    expect(probe.ntpSynchronised()).toBe(false);
    probe.stop();
  });

  it("asks again on the clock after each answer, and not after stop", () => {
    const { clock, probe, pending } = probeWithHandAnswers();
    probe.start();
    pending[0]!(false);
    clock.advance(59_999);
    expect(pending).toHaveLength(1);
    clock.advance(1);
    expect(pending).toHaveLength(2);
    expect(probe.ntpSynchronised()).toBe(false); // the previous answer stands meanwhile
    pending[1]!(true);
    expect(probe.ntpSynchronised()).toBe(true);
    probe.stop();
    clock.advance(120_000);
    expect(pending).toHaveLength(2);
  });

  it("abandons a question still out when stopped", () => {
    const { probe, abandoned } = probeWithHandAnswers();
    probe.start();
    probe.stop();
    expect(abandoned()).toBe(1);
  });
});
