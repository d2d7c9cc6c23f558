/**
 * One paragraph per fault for docs/reliability.md: what happens in the field, how the scenario
 * reproduces it. Keyed by scenario file name (the `--only` name). A scenario without an entry is still
 * run and listed; its row's "checked" column then stands alone.
 */
export const ABOUT_FAULTS: Readonly<Record<string, string>> = {
  sigkill:
    "The process dies without warning (OOM killer, watchdog, a crash). `meter-gateway run` polls four fast " +
    "simulated meters over Modbus TCP and takes signed top-ups through a real mosquitto while it is " +
    "SIGKILLed at random moments, some during start-up, and started again each time; top-ups that got no " +
    "answer are resent with the same or a new transaction. The database is checked after every kill; at " +
    "the end the outbox drains and the platform's copy of every stream is checked.",
  powercut:
    "The power goes while the gateway writes. The running service is frozen with SIGSTOP at random " +
    "moments under the same load, its gateway.db and gateway.db-wal are copied as they are on disk, and " +
    "it continues. The -shm (the WAL index) is not copied: it is shared memory that a power cut loses and " +
    "SQLite rebuilds from the WAL. Each copy is opened like a reboot would, and again with the WAL's last " +
    "frames torn at a random byte (a disk that kept only part of the unsynced tail).",
  fuzz:
    "Hostile or broken platforms. Random bytes, random JSON, wrong types, oversize payloads, unknown " +
    "commands, and well-formed requests that must be refused (expired, not yet valid, too long-lived, " +
    "forged or misdirected signatures, replays of executed commands, domain refusals) are published on " +
    "every request topic of the real service through the real broker.",
  "clock-step":
    "A box without a real-time clock boots with a stale time and NTP steps it. The service runs under " +
    "libfaketime and its wall clock is stepped forward and back while it bills.",
  "hostile-tcp":
    "Modbus TCP peers that accept and close at once, accept and never answer, or vanish without a FIN. " +
    "Commands and the service must stay bounded in time and report the bus down.",
  "serial-unplug":
    "The USB-RS485 adapter is unplugged and plugged back: a socat pty pair whose far end is killed and " +
    "re-created under the same link name. The bus must say down and reopen by itself.",
  "disk-full":
    "The data directory's disk fills up (a small tmpfs, hence root). The service must keep polling, say " +
    "why in /healthz, and charge everything missed exactly once when space returns.",
  sigterm:
    "Clean stops (systemd restarts, upgrades) many times in a row: every reading polled before the stop is " +
    "stored and the stop finishes in bounded time.",
};
