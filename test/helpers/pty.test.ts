import { existsSync, realpathSync } from "node:fs";
import { SerialPort } from "serialport";
import { afterEach, describe, expect, it } from "vitest";
import { createPtyPair } from "./pty.ts";
import type { PtyPair } from "./pty.ts";
import { waitFor } from "./wait-for.ts";

const pairs: PtyPair[] = [];
const ports: SerialPort[] = [];

afterEach(async () => {
  await Promise.all(
    ports
      .splice(0)
      .map((port) => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()))),
  );
  await Promise.all(pairs.splice(0).map((pair) => pair.close()));
});

async function pair(): Promise<PtyPair> {
  const p = await createPtyPair();
  pairs.push(p);
  return p;
}

async function open(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  ports.push(port);
  return port;
}

/** Collects everything a port reads. */
function collect(port: SerialPort): () => Buffer {
  const chunks: Buffer[] = [];
  port.on("data", (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks);
}

async function write(port: SerialPort, bytes: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    port.write(bytes, (error) => (error ? reject(error) : resolve())),
  );
  await new Promise<void>((resolve, reject) => port.drain((error) => (error ? reject(error) : resolve())));
}

// A Modbus RTU request plus the bytes a cooked tty would mangle: NUL, CR, LF, XON, XOFF, Ctrl-C, 0xFF.
const frame = Buffer.from([0x01, 0x03, 0x00, 0x00, 0x00, 0x02, 0xc4, 0x0b]);
const awkward = Buffer.from([0x00, 0x0d, 0x0a, 0x11, 0x13, 0x03, 0x04, 0x7f, 0xff]);

describe("createPtyPair", () => {
  it("creates two pseudo-terminal device links", async () => {
    const p = await pair();
    expect(realpathSync(p.a)).toMatch(/^\/dev\/pts\/\d+$/);
    expect(realpathSync(p.b)).toMatch(/^\/dev\/pts\/\d+$/);
    expect(realpathSync(p.a)).not.toBe(realpathSync(p.b));
  });

  it("passes bytes unchanged in both directions", async () => {
    const p = await pair();
    const a = await open(p.a);
    const b = await open(p.b);
    const readA = collect(a);
    const readB = collect(b);

    await write(a, Buffer.concat([frame, awkward]));
    await waitFor(() => readB().length >= frame.length + awkward.length, { description: "bytes at b" });
    await write(b, Buffer.concat([awkward, frame]));
    await waitFor(() => readA().length >= frame.length + awkward.length, { description: "bytes at a" });

    expect(readB()).toEqual(Buffer.concat([frame, awkward]));
    expect(readA()).toEqual(Buffer.concat([awkward, frame]));
  });

  it("keeps the pair working when one end is closed and reopened", async () => {
    const p = await pair();
    const b = await open(p.b);
    const readB = collect(b);
    const first = await open(p.a);
    await new Promise<void>((resolve) => first.close(() => resolve()));

    const again = await open(p.a);
    await write(again, frame);
    await waitFor(() => readB().length >= frame.length, { description: "bytes after reopen" });
    expect(readB()).toEqual(frame);
  });

  it("close() stops socat and removes the links", async () => {
    const p = await createPtyPair();
    await p.close();
    expect(existsSync(p.a)).toBe(false);
    expect(existsSync(p.b)).toBe(false);
    expect(() => process.kill(p.pid, 0)).toThrow();
    await p.close(); // idempotent
  });
});
