/**
 * Modbus unit-id lists as technicians write them: "1-10,12,15-17". Unit ids are 1..247 (0 is broadcast,
 * 248..255 are reserved: Modbus over Serial Line v1.02, 2.2).
 */

export const minUnit = 1;
export const maxUnit = 247;

/** Parses a unit list into sorted, distinct unit ids, or returns an error message naming the bad part. */
export function parseUnitList(
  input: string | number,
): { ok: true; units: number[] } | { ok: false; error: string } {
  const text = String(input).trim();
  if (text === "") return { ok: false, error: "empty unit list" };
  const units = new Set<number>();
  for (const raw of text.split(",")) {
    const item = raw.trim();
    const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(item);
    if (match === null) return { ok: false, error: `'${item}' is not a unit id or range (e.g. 1-10,12)` };
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (from < minUnit || to > maxUnit) {
      return { ok: false, error: `'${item}': unit ids are ${minUnit}..${maxUnit}` };
    }
    if (to < from) return { ok: false, error: `'${item}': range runs backwards` };
    for (let unit = from; unit <= to; unit++) {
      if (units.has(unit)) return { ok: false, error: `unit ${unit} is listed twice` };
      units.add(unit);
    }
  }
  return { ok: true, units: [...units].sort((a, b) => a - b) };
}

/** Formats unit ids compactly: [1,2,3,5] -> "1-3,5". */
export function formatUnitList(units: readonly number[]): string {
  const sorted = [...units].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}
