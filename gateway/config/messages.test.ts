import { describe, expect, it } from "vitest";
import { describeValue, formatNames, formatPath, suggestName } from "./messages.ts";

describe("config message wording", () => {
  it("formats paths the way they are written in YAML", () => {
    expect(formatPath(["meters", 2, "unit"])).toBe("meters[2].unit");
    expect(formatPath(["gateway", "odd key"])).toBe('gateway["odd key"]');
    expect(formatPath([])).toBe("");
  });

  it("suggests a close name and nothing for a distant one", () => {
    const keys = ["baudRate", "parity", "dataBits", "stopBits", "timeoutMs"];
    expect(suggestName("baudrate", keys)).toBe("baudRate");
    expect(suggestName("baduRate", keys)).toBe("baudRate");
    expect(suggestName("timeout", keys)).toBe("timeoutMs");
    expect(suggestName("stopbit", keys)).toBe("stopBits");
    expect(suggestName("colour", keys)).toBeUndefined();
    expect(suggestName("x", [])).toBeUndefined();
  });

  it("describes values briefly", () => {
    expect(describeValue("abc")).toBe("'abc'");
    expect(describeValue(300)).toBe("300");
    expect(describeValue([1])).toBe("a list");
    expect(describeValue({ a: 1 })).toBe("a mapping");
    expect(describeValue(null)).toBe("null");
  });

  it("cuts long name lists", () => {
    expect(formatNames(["b", "a"])).toBe("a, b");
    expect(formatNames([], 2)).toBe("none");
    expect(formatNames(["a", "b", "c", "d"], 2)).toBe("a, b and 2 more");
  });
});
