import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocateProportionally } from "./allocate.ts";

describe("allocateProportionally", () => {
  it("splits exactly, remainders to the largest fractions, ties to the earliest", () => {
    expect(allocateProportionally(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(allocateProportionally(1000, [1, 2])).toEqual([333, 667]);
    expect(allocateProportionally(5, [0, 0])).toEqual([5, 0]);
    expect(allocateProportionally(0, [])).toEqual([]);
    expect(() => allocateProportionally(1, [])).toThrow(RangeError);
    expect(() => allocateProportionally(-1, [1])).toThrow(RangeError);
  });

  it("sums to the total, gives each part the floor or ceiling of its share, extra units to larger remainders", () => {
    fc.assert(
      fc.property(
        fc.maxSafeNat(),
        fc.array(fc.integer({ min: 0, max: 10 * 86_400_000 }), { minLength: 1, maxLength: 20 }),
        (total, weights) => {
          fc.pre(weights.some((w) => w > 0));
          const parts = allocateProportionally(total, weights);
          expect(parts.reduce((a, b) => a + BigInt(b), 0n)).toBe(BigInt(total));
          const sum = weights.reduce((a, b) => a + BigInt(b), 0n);
          const shares = weights.map((w) => ({
            floor: (BigInt(total) * BigInt(w)) / sum,
            rem: (BigInt(total) * BigInt(w)) % sum,
          }));
          parts.forEach((part, i) => {
            const share = shares[i]!;
            expect(BigInt(part) === share.floor || BigInt(part) === share.floor + 1n).toBe(true);
          });
          // Largest remainder: a part that got an extra unit never has a smaller remainder than one that did not.
          const extra = shares.filter((s, i) => BigInt(parts[i]!) > s.floor).map((s) => s.rem);
          const none = shares.filter((s, i) => BigInt(parts[i]!) === s.floor && s.rem > 0n).map((s) => s.rem);
          for (const got of extra) for (const missed of none) expect(got >= missed).toBe(true);
        },
      ),
    );
  });
});
