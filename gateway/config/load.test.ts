import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, isGatewayError } from "../../core/errors.ts";
import { ConfigError } from "./config-error.ts";
import { loadConfig } from "./load.ts";
import { knownProfiles, yamlLines } from "../../test/helpers/config/parse-options.ts";

const options = { profileNames: () => knownProfiles };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mg-config-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error;
}

describe("loadConfig", () => {
  it("loads a file and resolves relative paths against its directory", async () => {
    const file = join(dir, "good.yaml");
    await writeFile(file, "gateway: { id: gw, dataDir: data }\nbuses: []\nmeters: []\n");
    const { config, warnings } = await loadConfig(file, options);
    expect(config.gateway.dataDir).toBe(join(dir, "data"));
    expect(warnings.map((warning) => warning.message)).toEqual(["no meters are configured"]);
  });

  it("throws a ConfigError naming a missing file", async () => {
    const file = join(dir, "absent.yaml");
    const error = await rejection(loadConfig(file, options));
    expect(isGatewayError(error, ErrorCode.ConfigInvalid)).toBe(true);
    expect(error.errors).toEqual([{ path: "", message: `config file not found: ${file}` }]);
    expect(error.message).toBe(`invalid config (1 error):\n${file} config file not found: ${file}`);
  });

  it("throws a ConfigError naming a directory given as the file", async () => {
    const error = await rejection(loadConfig(dir, options));
    expect(error.errors[0]?.message).toBe(`${dir} is a directory, not a config file`);
  });

  it("throws a ConfigError holding every problem, formatted with the file name", async () => {
    const file = join(dir, "bad.yaml");
    await writeFile(
      file,
      yamlLines(
        "gateway: { id: gw, dataDir: /d, logleve: info }",
        "buses: []",
        "meters: [{ id: m, bus: b, unit: 0, profile: sdm120 }]",
      ),
    );
    const error = await rejection(loadConfig(file, options));
    expect(error.fileName).toBe(file);
    expect(error.context).toMatchObject({ fileName: file, errors: error.errors });
    expect(error.message).toBe(
      [
        "invalid config (3 errors):",
        `${file}:1:33 gateway.logleve: unknown key 'logleve' (did you mean 'logLevel'?)`,
        `${file}:3:24 meters[0].bus: bus 'b' is not defined (defined: none)`,
        `${file}:3:33 meters[0].unit: unit must be between 1 and 247 (got 0)`,
      ].join("\n"),
    );
  });
});
