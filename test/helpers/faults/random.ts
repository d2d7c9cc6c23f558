/**
 * A seeded random source, so a failing fault run can be repeated: scenarios print their seed among the
 * figures, and FAULT_SEED=<seed> runs the same sequence of moments again.
 */

/** Uniform choices from one seed (mulberry32: small, fast, good enough for picking moments). */
export interface Random {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
}

/** A generator seeded from FAULT_SEED, or from the time when it is unset. */
export function seededRandom(seed = Number(process.env.FAULT_SEED) || Date.now() % 2 ** 31): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}
