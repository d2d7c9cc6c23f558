/**
 * `meter-gateway passwd -c FILE`: sets the technician password of the web page (its sign-in, and what
 * `http.listen` on the LAN requires). Read from the terminal twice without echo, or from the first line
 * of standard input when it is not a terminal (`echo "$PW" | meter-gateway passwd -c FILE`). Stored
 * hashed with scrypt in the data directory; a running service uses it at the next sign-in.
 */
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { loadConfigFile } from "./config-file.ts";
import { UsageError } from "./output.ts";
import { hashPassword, minPasswordLength, writePasswordHash } from "../web/password.ts";

/** The first line of standard input when it is not a terminal (a script or a pipe). */
async function readPiped(): Promise<string> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of rl) return line.replace(/\r$/, "");
    return "";
  } finally {
    rl.close();
  }
}

/** One line typed on the terminal, not echoed (raw mode); Ctrl-C cancels. */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  let text = "";
  return new Promise((resolve, reject) => {
    const done = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return (done(), resolve(text));
        if (ch === "\u0003") return (done(), reject(new UsageError("cancelled; nothing was changed")));
        text = ch === "\u007f" || ch === "\b" ? text.slice(0, -1) : text + ch;
      }
    };
    stdin.on("data", onData);
  });
}

async function newPassword(): Promise<string> {
  const terminal = process.stdin.isTTY === true;
  const first = terminal ? await readHidden("new technician password: ") : await readPiped();
  if (first.length < minPasswordLength)
    throw new UsageError(`the password must have at least ${minPasswordLength} characters`);
  if (terminal && (await readHidden("again: ")) !== first)
    throw new UsageError("the two passwords differ; nothing was changed");
  return first;
}

export function registerPasswd(program: Command): void {
  program
    .command("passwd")
    .description("set the technician password of the web page (stored hashed in the data directory)")
    .requiredOption("-c, --config <file>", "config file (YAML)")
    .action(async (options: { config: string }) => {
      const { config } = await loadConfigFile(options.config);
      const password = await newPassword();
      const file = writePasswordHash(config.gateway.dataDir, await hashPassword(password));
      process.stdout.write(`technician password set (${file}); the web page's sign-in uses it now\n`);
    });
}
