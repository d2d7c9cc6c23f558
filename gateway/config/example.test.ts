import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig } from "./parse.ts";
import { summarizeConfig } from "./summary.ts";
import { parseOptions } from "../../test/helpers/config/parse-options.ts";

const exampleText = readFileSync(new URL("example.yaml", import.meta.url), "utf8");

describe("example.yaml", () => {
  const result = parseConfig(exampleText, parseOptions);

  it("validates without errors or warnings", () => {
    expect(result).toMatchObject({ ok: true, warnings: [] });
  });

  it("uses every key of every section at least once", () => {
    if (!result.ok) throw new Error("example is invalid");
    const { config } = result;
    expect(Object.keys(config.gateway)).toEqual(["id", "dataDir", "timezone", "logLevel", "httpPort"]);
    // profilesDir is shown commented out: a directory that does not exist would be an error.
    expect(exampleText).toMatch(/^ {2}# profilesDir: /m);
    expect(config.buses.map((bus) => bus.transport)).toEqual(["rtu", "tcp", "rtu-over-tcp"]);
    expect(Object.keys(config.meters[0]!).sort()).toEqual([
      "account",
      "bus",
      "id",
      "maxPowerW",
      "pollIntervalMs",
      "profile",
      "protocol",
      "unit",
    ]);
    expect(Object.keys(config.mqtt?.tls ?? {})).toHaveLength(4);
  });

  it("comments every key where it first appears", () => {
    const lines = exampleText.split("\n");
    const seen = new Set<string>();
    const uncommented: string[] = [];
    for (const [index, line] of lines.entries()) {
      const key = /^\s*(?:- )?([A-Za-z]+):/.exec(line)?.[1];
      if (key === undefined || seen.has(key)) continue;
      seen.add(key);
      if (!(lines[index - 1] ?? "").includes("#")) uncommented.push(line);
    }
    expect(uncommented).toEqual([]);
  });

  it("summarizes in three lines", () => {
    if (!result.ok) throw new Error("example is invalid");
    expect(summarizeConfig(result.config)).toBe(
      [
        "gateway 'site-01-gw' (timezone Asia/Shanghai, log info)",
        "3 buses: rs485-1 rtu /dev/ttyUSB0 9600 8N1 (2 meters), plant-room tcp 192.168.1.50:502 (1 meter), " +
          "block-b rtu-over-tcp serial-server.local:8899 (1 meter)",
        "4 meters, 2 accounts, 3 tariffs, mqtt on (mqtts://broker.example.com:8883)",
      ].join("\n"),
    );
  });
});
