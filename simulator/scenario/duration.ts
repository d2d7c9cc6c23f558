/**
 * Simulated-time offsets and durations as people write them: "90s", "10m", "2h", "1h30m", "1d", "250ms",
 * or a plain number of milliseconds.
 */

const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/** Longest accepted duration: 10 years of simulated time, ms. */
export const maxDurationMs = 10 * 365 * 86_400_000;

/**
 * Parses a duration into milliseconds, or returns an error message. Parts must be in any order but each
 * needs a unit ("1h30m"); a bare number is milliseconds. Bounds 0..10 years.
 */
export function parseDuration(
  input: string | number,
): { ok: true; ms: number } | { ok: false; error: string } {
  if (typeof input === "number") return checkBounds(input, String(input));
  const text = input.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return checkBounds(Number(text), text);
  if (text === "") return { ok: false, error: "empty duration" };
  let total = 0;
  part.lastIndex = 0;
  while (part.lastIndex < text.length) {
    const at = part.lastIndex;
    const match = part.exec(text);
    if (match === null) {
      return {
        ok: false,
        error: `'${text}' is not a duration (at '${text.slice(at)}'; use e.g. 90s, 10m, 2h, 1h30m)`,
      };
    }
    total += Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
  }
  return checkBounds(total, text);
}

function checkBounds(ms: number, text: string): { ok: true; ms: number } | { ok: false; error: string } {
  if (!Number.isFinite(ms) || ms < 0 || ms > maxDurationMs) {
    return { ok: false, error: `'${text}' is out of range (0 to 10 years)` };
  }
  return { ok: true, ms: Math.round(ms) };
}

/** Formats milliseconds compactly for messages: 5400000 -> "1h30m". */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  if (rest > 0) out += `${rest}ms`;
  return out;
}
