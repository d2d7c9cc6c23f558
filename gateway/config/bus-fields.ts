/** The keys every bus has, whatever its protocol and transport (bus.ts, dlt645.ts). */
import * as z from "zod";
import { identifier, intBetween } from "./fields.ts";
import { subjectOf } from "./messages.ts";

/** Baud rates a serial line may run at (bits per second). */
export const BAUD_RATES = [1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200] as const;

/**
 * How a bus backs off from a meter that stopped answering: it is polled again after `initialMs`, the
 * pause growing with each failure up to `maxMs`, so a dead meter does not eat the line's time.
 */
const backoffSchema = z
  .strictObject({
    /** First pause after a meter stops answering, ms: 100..3600000, default 5000. */
    initialMs: intBetween(100, 3_600_000).default(5_000),
    /** Longest pause between retries of a silent meter, ms: 100..86400000, default 300000 (5 min). */
    maxMs: intBetween(100, 86_400_000).default(300_000),
  })
  .refine((backoff) => backoff.maxMs >= backoff.initialMs, {
    path: ["maxMs"],
    error: (issue) => {
      const input = issue.input as { initialMs: number; maxMs: number };
      return `${subjectOf(issue.path)} must be at least initialMs (${input.initialMs}) (got ${input.maxMs})`;
    },
  });

/** Keys every transport of every protocol has. */
export const commonBusFields = {
  /** Bus id, referenced by `meters[].bus`: 1..64 of `A-Za-z0-9_-`. */
  id: identifier,
  /** How long to wait for a reply, ms: 10..30000, default 500. */
  timeoutMs: intBetween(10, 30_000).default(500),
  /**
   * Pause between the end of one transaction and the next request, ms: 0..10000, default 20. Some
   * meters reboot when polled back to back; Modbus RTU itself needs 3.5 character times.
   */
  interFrameGapMs: intBetween(0, 10_000).default(20),
  /** Retries of a request that timed out or failed its CRC before the poll fails: 0..10, default 1. */
  retries: intBetween(0, 10).default(1),
  /** Back-off for silent meters; always present after parsing (defaults 5000 / 300000 ms). */
  backoff: backoffSchema.prefault({}),
};
