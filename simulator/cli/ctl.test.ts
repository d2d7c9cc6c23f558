import { describe, expect, it } from "vitest";
import { faultSpecSchema } from "../faults/fault-spec.ts";
import { faultBody } from "./ctl.ts";

describe("ctl fault flags", () => {
  it("missing-registers: --fc, --address (hex or decimal) and --count become a valid fault", () => {
    const body = faultBody("missing-registers", { fc: "3", address: "0xFC00", count: "2" });
    expect(faultSpecSchema.parse(body)).toEqual({
      kind: "missing-registers",
      fc: 3,
      address: 0xfc00,
      count: 2,
      code: 2,
    });
    expect(faultSpecSchema.parse(faultBody("missing-registers", { address: "342", code: "04" }))).toEqual({
      kind: "missing-registers",
      fc: 3,
      address: 342,
      count: 1,
      code: 4,
    });
  });
});
