/** Parses unit-id lists like `1-10,12,15-17` (Modbus unit ids 1..247). */
export function parseUnitList(text: string, min = 1, max = 247): number[] {
  const units = new Set<number>();
  for (const part of text.split(",").map((p) => p.trim())) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (match === null) throw new Error(`'${part}' is not a unit id or range (e.g. 1-10,12)`);
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (from < min || to > max || from > to)
      throw new Error(`unit range '${part}' must lie within ${min}-${max}`);
    for (let unit = from; unit <= to; unit++) units.add(unit);
  }
  return [...units].sort((a, b) => a - b);
}
