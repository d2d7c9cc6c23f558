/** A terminal's counters since start, shown in /status and /metrics. */
export interface TerminalStats {
  displayWrites: number;
  /** Display writes that failed (each is tried again at the next refresh). */
  displayFailures: number;
  answerWrites: number;
  answerFailures: number;
  /** Entries queued for the platform. */
  entriesForwarded: number;
  /** Entries answered `rejected` by the gateway itself (malformed token, no amount). */
  entriesRefused: number;
  /** Keypad reads or acks that failed. */
  inputFailures: number;
  /** Wall ms of the last display write. */
  lastDisplayAtMs: number | undefined;
  /** The last failure in plain words, until the terminal answers again. */
  lastError: string | undefined;
  lastErrorAtMs: number | undefined;
}

export function newTerminalStats(): TerminalStats {
  return {
    displayWrites: 0,
    displayFailures: 0,
    answerWrites: 0,
    answerFailures: 0,
    entriesForwarded: 0,
    entriesRefused: 0,
    inputFailures: 0,
    lastDisplayAtMs: undefined,
    lastError: undefined,
    lastErrorAtMs: undefined,
  };
}

/** A terminal in `status` and `/status`: where it is, whose, and its counters. */
export interface TerminalStatus extends TerminalStats {
  id: string;
  bus: string;
  unit: number;
  account: string;
}
