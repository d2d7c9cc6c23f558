/**
 * A real headless browser for page tests: Debian's chromium driven over the Chrome DevTools protocol on
 * its --remote-debugging-pipe (file descriptors 3 and 4, NUL-separated JSON), with node built-ins only.
 * Every call is bounded; a page's script error fails the test that caused it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Readable, Writable } from "node:stream";
import { requireTool, tempDir, waitFor, type TempDir } from "./index.ts";

/** Bound on one protocol call, ms. */
const callTimeoutMs = 15_000;

interface Pending {
  resolve: (value: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** One DevTools connection over the pipe. */
class DevTools {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffer = "";
  readonly listeners = new Set<
    (method: string, params: Record<string, unknown>, sessionId?: string) => void
  >();

  constructor(
    private readonly input: Writable,
    output: Readable,
  ) {
    output.on("data", (chunk: Buffer) => this.receive(chunk.toString("utf8")));
  }

  call(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`DevTools ${method} got no answer within ${callTimeoutMs} ms`));
      }, callTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  private receive(text: string): void {
    this.buffer += text;
    let end;
    while ((end = this.buffer.indexOf("\0")) >= 0) {
      const message = JSON.parse(this.buffer.slice(0, end)) as {
        id?: number;
        result?: Record<string, unknown>;
        error?: { message: string };
        method?: string;
        params?: Record<string, unknown>;
        sessionId?: string;
      };
      this.buffer = this.buffer.slice(end + 1);
      if (message.id !== undefined) {
        const pending = this.pending.get(message.id);
        if (pending === undefined) continue;
        this.pending.delete(message.id);
        clearTimeout(pending.timer);
        if (message.error) pending.reject(new Error(`DevTools: ${message.error.message}`));
        else pending.resolve(message.result ?? {});
      } else if (message.method !== undefined) {
        for (const listener of this.listeners)
          listener(message.method, message.params ?? {}, message.sessionId);
      }
    }
  }
}

/** A tab: navigate, evaluate, wait for a condition, screenshot. */
export interface Page {
  goto(url: string): Promise<void>;
  /** Evaluates an expression in the page (promises awaited) and returns its JSON value. */
  eval<T = unknown>(expression: string): Promise<T>;
  /** Waits until `expression` is truthy in the page; returns its value. */
  waitFor<T = unknown>(expression: string, description: string, timeoutMs?: number): Promise<T>;
  /** Clicks the element `selector` (as a user's click: a click event on it). */
  click(selector: string): Promise<void>;
  /** Writes a PNG of the viewport (full page height) to `file`; returns its size in bytes. */
  screenshot(file: string): Promise<number>;
  /** Script errors the page threw or logged so far. */
  readonly errors: string[];
  /** Bytes the page loaded over the network so far (encoded, as on the wire). */
  readonly bytesLoaded: () => number;
}

export interface Browser {
  newPage(viewport?: { width: number; height: number; mobile?: boolean }): Promise<Page>;
  close(): Promise<void>;
}

/** Starts headless chromium with a throwaway profile. */
export async function launchBrowser(): Promise<Browser> {
  const chromium = requireTool("chromium");
  const profile: TempDir = await tempDir("chromium-");
  const child: ChildProcess = spawn(
    chromium,
    [
      "--headless=new",
      "--no-sandbox", // tests run as root in containers, where the sandbox cannot start
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-background-networking",
      "--disable-extensions",
      "--remote-debugging-pipe",
      `--user-data-dir=${profile.path}`,
      "about:blank",
    ],
    { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const devtools = new DevTools(child.stdio[3] as Writable, child.stdio[4] as Readable);
  await devtools.call("Browser.getVersion").catch((error: unknown) => {
    child.kill("SIGKILL");
    throw new Error(`chromium did not start: ${String(error)}\n${stderr}`);
  });
  return {
    newPage: (viewport) => openPage(devtools, viewport ?? { width: 1280, height: 900 }),
    close: async () => {
      await devtools.call("Browser.close").catch(() => child.kill("SIGKILL"));
      await waitFor(() => child.exitCode !== null || child.signalCode !== null, {
        timeoutMs: 5000,
        description: "chromium to exit",
      }).catch(() => child.kill("SIGKILL"));
      await profile.remove();
    },
  };
}

async function openPage(
  devtools: DevTools,
  viewport: { width: number; height: number; mobile?: boolean },
): Promise<Page> {
  const { targetId } = (await devtools.call("Target.createTarget", { url: "about:blank" })) as {
    targetId: string;
  };
  const { sessionId } = (await devtools.call("Target.attachToTarget", { targetId, flatten: true })) as {
    sessionId: string;
  };
  const call = (method: string, params: Record<string, unknown> = {}) =>
    devtools.call(method, params, sessionId);
  const errors: string[] = [];
  let bytes = 0;
  devtools.listeners.add((method, params, from) => {
    if (from !== sessionId) return;
    if (method === "Runtime.exceptionThrown")
      errors.push(JSON.stringify((params["exceptionDetails"] as { exception?: unknown }) ?? params));
    if (method === "Network.loadingFinished") bytes += Number(params["encodedDataLength"] ?? 0);
  });
  await call("Page.enable");
  await call("Runtime.enable");
  await call("Network.enable");
  await call("Emulation.setDeviceMetricsOverride", {
    width: viewport.width,
    height: viewport.height,
    deviceScaleFactor: 1,
    mobile: viewport.mobile === true,
  });
  const evaluate = async <T>(expression: string): Promise<T> => {
    const result = (await call("Runtime.evaluate", {
      expression,
      awaitPromise: true,
      returnByValue: true,
    })) as {
      result: { value?: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (result.exceptionDetails)
      throw new Error(
        `in the page: ${result.exceptionDetails.exception?.description ?? result.exceptionDetails.text}`,
      );
    return result.result.value as T;
  };
  const page: Page = {
    errors,
    bytesLoaded: () => bytes,
    goto: async (url) => {
      await call("Page.navigate", { url });
      await page.waitFor("document.readyState === 'complete'", `${url} to load`);
    },
    eval: evaluate,
    waitFor: (expression, description, timeoutMs = 15_000) =>
      waitFor(() => evaluate(expression), { timeoutMs, description: `the page: ${description}` }) as never,
    click: async (selector) => {
      const found = await evaluate<boolean>(
        `(() => { const el = document.querySelector(${JSON.stringify(selector)}); if (!el) return false; el.click(); return true; })()`,
      );
      if (!found) throw new Error(`no element '${selector}' to click`);
    },
    screenshot: async (file) => {
      const height = await evaluate<number>("Math.ceil(document.body.scrollHeight) + 16");
      const { data } = (await call("Page.captureScreenshot", {
        format: "png",
        captureBeyondViewport: true,
        clip: { x: 0, y: 0, width: viewport.width, height, scale: 1 },
      })) as { data: string };
      mkdirSync(dirname(file), { recursive: true });
      const png = Buffer.from(data, "base64");
      writeFileSync(file, png);
      return png.length;
    },
  };
  return page;
}
