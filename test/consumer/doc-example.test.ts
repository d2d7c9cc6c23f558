/**
 * The worked uplink example of docs/mqtt.md 6.2.2, read from the document itself: an integrator checks
 * a verifier against it, so it must be a record the gateway publishes today. It verifies under the
 * documented key, matches the published schema, and is an envelope of section 3.1 (an `epoch`, and a key
 * that starts with it).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ContractValidator } from "./client/validator.ts";
import { uplinkSignatureProblem } from "./client/uplink-verify.ts";
import { publishedSchemas } from "./harness.ts";

const doc = readFileSync(new URL("../../docs/mqtt.md", import.meta.url), "utf8");
const section = doc.slice(doc.indexOf("#### 6.2.2"), doc.indexOf("### 6.3"));
const payload = section.split("\n").find((line) => line.startsWith('{"v":1,'));

describe("docs/mqtt.md 6.2.2 worked example", () => {
  it("verifies, matches its schema and carries the epoch of section 3.1", () => {
    expect(payload).toBeDefined();
    const keys = new Map([["up-2026-12", "fedcba9876543210fedcba9876543210"]]);
    const message = JSON.parse(payload!) as Record<string, unknown>;
    expect(uplinkSignatureProblem(Buffer.from(payload!), message["kid"], keys)).toBeUndefined();
    expect(section).toContain(`\`${String(message["sig"])}\``);
    expect(new ContractValidator(publishedSchemas()).check("billing", message)).toEqual([]);
    expect(message["epoch"]).toMatch(/^[0-9a-f]{16}$/);
    expect(message["key"]).toMatch(new RegExp(`^${String(message["epoch"])}:`));
  });

  it("is refused altered, under another key id, and unsigned", () => {
    const keys = new Map([["up-2026-12", "fedcba9876543210fedcba9876543210\n"]]);
    const altered = Buffer.from(payload!.replace('"amountFen":5000', '"amountFen":5001'));
    expect(uplinkSignatureProblem(altered, "up-2026-12", keys)).toBe("bad signature under up-2026-12");
    expect(uplinkSignatureProblem(Buffer.from(payload!), "other", keys)).toBe("unknown uplink key id other");
    expect(uplinkSignatureProblem(Buffer.from('{"v":1}'), undefined, keys)).toBe("unsigned");
  });
});
