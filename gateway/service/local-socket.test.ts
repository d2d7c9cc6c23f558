import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LocalSocket } from "./local-socket.ts";

const dirs: string[] = [];
const sockets: LocalSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function socketIn(dir: string): { path: string; socket: LocalSocket } {
  const path = join(dir, "gateway.sock");
  const socket = new LocalSocket(path, (_req, res) => res.end("hello\n"));
  sockets.push(socket);
  return { path, socket };
}

function get(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: path, path: "/", signal: AbortSignal.timeout(2000) }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => resolve(text));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("LocalSocket", () => {
  it("serves on a socket only its user and group may open (0660), and removes it on stop", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mg-sock-"));
    dirs.push(dir);
    const { path, socket } = socketIn(dir);
    await socket.start();
    expect(statSync(path).mode & 0o777).toBe(0o660);
    expect(statSync(path).isSocket()).toBe(true);
    expect(await get(path)).toBe("hello\n");
    await socket.stop();
    expect(() => statSync(path)).toThrow(/ENOENT/);
  });

  it("takes over a dead gateway's leftover file, but not a socket someone answers on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mg-sock-"));
    dirs.push(dir);
    const first = socketIn(dir);
    writeFileSync(first.path, "left over by a power cut");
    await first.socket.start();
    expect(await get(first.path)).toBe("hello\n");
    const second = socketIn(dir);
    await expect(second.socket.start()).rejects.toThrow(
      `another process listens on ${first.path}: stop it, or set gateway.socketPath to another path`,
    );
    expect(await get(first.path)).toBe("hello\n");
  });
});
