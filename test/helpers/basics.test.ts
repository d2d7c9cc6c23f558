import { existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { acceptsConnections, freePort, waitForPort } from "./ports.ts";
import { RUN_TEMP_DIR_ENV, tempDir } from "./temp-dir.ts";
import { findExecutable, missingTools, missingToolsMessage, requireTool } from "./tools.ts";
import { waitFor } from "./wait-for.ts";

describe("freePort", () => {
  it("returns a port that can be bound on 127.0.0.1", async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    expect(await acceptsConnections(port)).toBe(true);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await acceptsConnections(port)).toBe(false);
  });

  it("never hands out the same port twice in one process, even to concurrent callers", async () => {
    const ports = await Promise.all(Array.from({ length: 100 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
  });
});

describe("waitForPort", () => {
  it("waits for a listener that appears later", async () => {
    const port = await freePort();
    const server = createServer();
    setTimeout(() => server.listen(port, "127.0.0.1"), 200);
    await waitForPort(port, { timeoutMs: 5000 });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("stops early with the abortIf reason", async () => {
    const port = await freePort();
    await expect(waitForPort(port, { abortIf: () => "server exited" })).rejects.toThrow("server exited");
  });
});

describe("waitFor", () => {
  it("resolves with the first truthy value", async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : undefined), { intervalMs: 1 });
    expect(value).toEqual({ calls: 3 });
  });

  it("awaits async predicates and treats a throw as not yet", async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        calls++;
        if (calls < 3) throw new Error("not ready");
        return Promise.resolve("ready");
      },
      { intervalMs: 1 },
    );
    expect(value).toBe("ready");
  });

  it("times out naming what it waited for, with the last error as cause", async () => {
    const started = performance.now();
    const error = await waitFor(
      () => {
        throw new Error("socket refused");
      },
      { timeoutMs: 100, intervalMs: 10, description: "the meter" },
    ).catch((e: unknown) => e);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("Timed out after 100 ms waiting for the meter");
    expect(((error as Error).cause as Error).message).toBe("socket refused");
  });
});

describe("tempDir", () => {
  it("creates a fresh writable directory and removes it with its contents", async () => {
    const dir = await tempDir("basics-");
    const other = await tempDir("basics-");
    expect(dir.path).not.toBe(other.path);
    expect(dir.path).toMatch(/meter-gateway-basics-/);
    writeFileSync(join(dir.path, "gateway.db"), "x");

    await dir.remove();
    await other.remove();
    expect(existsSync(dir.path)).toBe(false);
    await dir.remove(); // idempotent
  });

  it("nests in the run's temp dir made by the global setup, which deletes it at the end", async () => {
    const runDir = process.env[RUN_TEMP_DIR_ENV];
    expect(runDir).toMatch(/meter-gateway-test-run-/);
    const dir = await tempDir("nested-");
    expect(dirname(dir.path)).toBe(runDir);
  });

  it("refuses prefixes that could escape the temp dir", async () => {
    await expect(tempDir("../etc")).rejects.toThrow(/prefix/);
  });
});

describe("tools", () => {
  it("finds every required tool on this machine, mosquitto included (often in /usr/sbin)", () => {
    expect(missingTools()).toEqual([]);
    expect(requireTool("mosquitto")).toMatch(/\/mosquitto$/);
  });

  it("names missing tools and the install command", () => {
    expect(findExecutable("no-such-tool-meter-gateway")).toBeUndefined();
    expect(missingToolsMessage(["socat", "mbpoll"])).toContain("socat, mbpoll");
    expect(missingToolsMessage(["socat"])).toContain(
      "sudo apt-get update && sudo apt-get install -y mosquitto socat mbpoll openssl",
    );
  });
});
