/**
 * The baud rate a master set on its end of a pty pair. A pty carries no signal, so a simulated meter
 * cannot hear a master at the wrong speed as noise the way a real one does; but the kernel keeps the
 * speed the master set in that end's termios, and `stty -F` reads it from another process. Parity and
 * data bits cannot be read this way: Linux forces CS8 and clears PARENB on every pty (pty_set_termios
 * in drivers/tty/pty.c), so a pty is always 8N1 whatever the master asked for.
 */
import { execFile } from "node:child_process";

/** stty opens the device and reads its termios: a few ms; more means something is wrong. */
const sttyTimeoutMs = 2000;

/**
 * Reads the speed set on the pty end at `path` (the gateway's end), in baud.
 * @returns undefined when stty fails or prints no speed (the device is gone, say)
 */
export function masterBaudRate(path: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile("stty", ["-F", path, "speed"], { timeout: sttyTimeoutMs }, (error, stdout) => {
      const baud = Number(stdout.trim());
      resolve(error === null && Number.isInteger(baud) && baud > 0 ? baud : undefined);
    });
  });
}
