/**
 * What the fault suite needs before it starts: the programs its scenarios drive and root (the disk-full
 * scenario mounts a small tmpfs). Missing ones stop the run with the exact command to fix it: the
 * suite never skips a fault silently.
 */
import { findExecutable, INSTALL_COMMAND } from "../tools.ts";

/** Programs the scenarios drive: the broker, pty pairs (serial unplug) and libfaketime (clock steps). */
export const FAULT_TOOLS = ["mosquitto", "socat", "faketime"] as const;

/**
 * Problems that prevent a full fault run, each with the command that fixes it (empty when ready).
 * @param isRoot whether this process may mount a tmpfs; default: effective uid 0
 */
export function preflightProblems(isRoot = process.geteuid?.() === 0): string[] {
  const problems: string[] = [];
  const missing = FAULT_TOOLS.filter((tool) => findExecutable(tool) === undefined);
  if (missing.length > 0)
    problems.push(`missing programs: ${missing.join(", ")}. Install them with:\n  ${INSTALL_COMMAND}`);
  if (!isRoot)
    problems.push(
      "not root: the disk-full fault mounts a small tmpfs, which needs root. Run the suite as root:\n" +
        '  sudo env PATH="$PATH" npm run faults',
    );
  return problems;
}
