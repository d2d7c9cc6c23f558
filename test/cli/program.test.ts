/**
 * `meter-gateway` loads only the `run` command when it is asked to run (main.ts): the rest of the command
 * line must read the same as with every command loaded.
 */
import { describe, expect, it } from "vitest";
import { gatewayCli, runCli } from "../helpers/index.ts";

describe("meter-gateway command line", () => {
  it("lists every command in --help", async () => {
    const result = await runCli(gatewayCli, ["--help"]);
    expect(result.code).toBe(0);
    for (const command of [
      "check-config",
      "scan",
      "read",
      "run",
      "demo",
      "status",
      "doctor",
      "topup",
      "command",
    ])
      expect(result.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
  });

  it("explains run's options and refuses run without a config file", async () => {
    const help = await runCli(gatewayCli, ["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: meter-gateway run [options]");
    expect(help.stdout).toMatch(/-c, --config <file>\s+config file \(YAML\)/);
    expect(help.stdout).toContain("--pretty");
    const missing = await runCli(gatewayCli, ["run"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '-c, --config <file>' not specified");
  });

  it("still runs the other commands", async () => {
    const result = await runCli(gatewayCli, ["check-config", "-c", "/nonexistent/config.yaml"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("/nonexistent/config.yaml");
  });
});
