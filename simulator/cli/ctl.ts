/**
 * `meter-sim ctl ...`: the control interface from a shell. Each subcommand is one HTTP call; the answer
 * is printed as JSON, an error answer as one line with exit code 1.
 */
import type { Command } from "commander";
import { faultKinds } from "../faults/fault-spec.ts";
import { numberFlag, UsageError } from "./fail.ts";

export interface CtlResult {
  status: number;
  body: unknown;
}

/**
 * Calls the control interface. An error answer throws `CODE: message`; an unreachable simulator throws
 * one line saying so.
 */
export async function callControl(
  baseUrl: string,
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: unknown,
): Promise<CtlResult> {
  let response: Response;
  try {
    response = await fetch(new URL(path, baseUrl), {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const cause =
      (error as { cause?: { code?: string } }).cause?.code ??
      (error instanceof Error ? error.message : String(error));
    throw new Error(
      `cannot reach the simulator's control interface at ${baseUrl} (${cause}); is meter-sim running with --control?`,
    );
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    // not JSON: keep the text
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } }).error;
    throw new Error(
      error === undefined ? `HTTP ${response.status}: ${text}` : `${error.code}: ${error.message}`,
    );
  }
  return { status: response.status, body: parsed };
}

function query(params: Record<string, string | undefined>): string {
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  return entries.length === 0 ? "" : `?${new URLSearchParams(entries).toString()}`;
}

interface FaultFlags {
  bus?: string;
  probability?: string;
  for?: string;
  delayMs?: string;
  code?: string;
  replyUnit?: string;
  keepBytes?: string;
  bytes?: string;
  withReply?: boolean;
  mode?: string;
  serialNumber?: string;
  energy?: string;
  fc?: string;
  address?: string;
  count?: string;
  pieces?: string;
  gapMs?: string;
}

/** The JSON fault spec from `ctl fault` flags; the simulator validates it (and names bad fields). */
export function faultBody(kind: string, flags: FaultFlags): Record<string, unknown> {
  const num = (flag: string, raw: string | undefined) =>
    raw === undefined ? undefined : numberFlag(flag, raw, -Infinity, Infinity);
  const body: Record<string, unknown> = {
    kind,
    probability: num("--probability", flags.probability),
    for: flags.for,
    delayMs: num("--delay-ms", flags.delayMs),
    // Exception codes are written in hex ("0A"), so pass the text on for the simulator to read.
    code: flags.code,
    replyUnit: num("--reply-unit", flags.replyUnit),
    keepBytes: num("--keep-bytes", flags.keepBytes),
    bytes: num("--bytes", flags.bytes),
    withReply: flags.withReply,
    mode: flags.mode,
    serialNumber: num("--serial-number", flags.serialNumber),
    energyWh: num("--energy", flags.energy),
    fc: num("--fc", flags.fc),
    // Register addresses are usually written in hex (0xFC00); Number() reads both forms.
    address: num("--address", flags.address),
    count: num("--count", flags.count),
    pieces: num("--pieces", flags.pieces),
    gapMs: num("--gap-ms", flags.gapMs),
  };
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

/** Runs one control call and prints its answer. */
type Run = (method: "GET" | "POST" | "DELETE", path: string, body?: unknown) => Promise<void>;

/** A unit id argument, checked before it goes into a path. */
const unit = (raw: string) => String(numberFlag("unit", raw, 1, 247, true));

/** Registers `ctl` and its subcommands on the program (in the order help lists them). */
export function registerCtl(program: Command, print: (value: unknown) => void): void {
  const ctl = program
    .command("ctl")
    .description("drive a running simulator through its control interface (meter-sim --control PORT)")
    .option("--url <url>", "control interface URL (default: $METER_SIM_URL)", process.env["METER_SIM_URL"]);
  const url = () => {
    const value = ctl.opts<{ url?: string }>().url;
    if (value === undefined) throw new UsageError("ctl needs --url http://127.0.0.1:PORT (or METER_SIM_URL)");
    return value;
  };
  const run: Run = async (method, path, body) => print((await callControl(url(), method, path, body)).body);

  ctl
    .command("status")
    .description("clock, seed and buses")
    .action(() => run("GET", "/"));
  registerMeterCommands(ctl, run);
  registerFaultCommands(ctl, run);
  registerClockCommands(ctl, run);
  registerLogCommands(ctl, run);
  registerDltCommands(ctl, run);
}

/** `ctl button` and `ctl counters`: the DL/T 645 meter's customer button and event counters. */
function registerDltCommands(ctl: Command, run: Run): void {
  ctl
    .command("button <unit>")
    .description("DL/T 645: the customer holds the button (closes the relay after an allow-close)")
    .option("--bus <name>", "bus of the unit")
    .action((u: string, o: { bus?: string }) =>
      run("POST", `/meters/${unit(u)}/button${query({ bus: o.bus })}`),
    );
  ctl
    .command("counters <unit>")
    .description("DL/T 645: add to the meter's event counters")
    .option("--bus <name>", "bus of the unit")
    .option("--cover-open <n>", "cover openings (03300D00)")
    .option("--terminal-cover-open <n>", "terminal cover openings (03300E00)")
    .option("--magnetic <n>", "magnetic interference events (03350000)")
    .option("--power-down <n>", "power downs (03110000)")
    .action((u: string, o: Record<string, string | undefined>) => {
      const body = Object.fromEntries(
        (["coverOpen", "terminalCoverOpen", "magnetic", "powerDown"] as const)
          .filter((key) => o[key] !== undefined)
          .map((key) => [key, numberFlag(key, o[key]!, 0, 1_000_000, true)]),
      );
      return run("POST", `/meters/${unit(u)}/counters${query({ bus: o["bus"] })}`, body);
    });
}

/** `ctl meters`, `ctl load`, `ctl relay`. */
function registerMeterCommands(ctl: Command, run: Run): void {
  ctl
    .command("meters [unit]")
    .description("meters with live quantities, registers, relay, tamper and faults")
    .option("--bus <name>", "bus of the unit (when several buses have it)")
    .action((u: string | undefined, o: { bus?: string }) =>
      run("GET", `${u === undefined ? "/meters" : `/meters/${unit(u)}`}${query({ bus: o.bus })}`),
    );
  ctl
    .command("load <unit> <watts>")
    .description("set a constant load in W")
    .option("--bus <name>", "bus of the unit")
    .action((u: string, watts: string, o: { bus?: string }) =>
      run("POST", `/meters/${unit(u)}/load${query({ bus: o.bus })}`, {
        load: numberFlag("watts", watts, 0, 1_000_000),
      }),
    );
  ctl
    .command("relay <unit> <state>")
    .description("open or close the relay (state: open | closed)")
    .option("--bus <name>", "bus of the unit")
    .action((u: string, state: string, o: { bus?: string }) =>
      run("POST", `/meters/${unit(u)}/relay${query({ bus: o.bus })}`, { state }),
    );
}

/** `ctl fault` (one option per fault field) and `ctl clear`. */
function registerFaultCommands(ctl: Command, run: Run): void {
  ctl
    .command("fault <unit> <kind>")
    .description(`inject a fault; kinds: ${faultKinds.join(", ")}`)
    .option("--bus <name>", "bus of the unit")
    .option("--probability <p>", "chance per request, 0..1 (a flaky fault)")
    .option("--for <duration>", "clear itself after this simulated time (10m, 2h)")
    .option("--delay-ms <ms>", "delay: real ms before the reply")
    .option("--code <hex>", "exception, missing-registers: 01 02 03 04 05 06 0A 0B")
    .option("--reply-unit <id>", "wrong-unit: the unit id to answer as")
    .option("--keep-bytes <n>", "truncated: bytes of the reply to send")
    .option("--bytes <n>", "garbage: bytes of noise")
    .option("--with-reply", "garbage: send the real reply after the noise")
    .option("--mode <mode>", "reverse-energy: export | decreasing")
    .option("--serial-number <n>", "meter-replaced: the new meter's serial number")
    .option("--energy <Wh>", "meter-replaced: the new meter's energy")
    .option("--fc <n>", "missing-registers: read function 1..4 (default 3)")
    .option("--address <a>", "missing-registers: first missing register, e.g. 0xFC00")
    .option("--count <n>", "missing-registers: how many registers are missing (default 1)")
    .option("--pieces <n>", "split (DL/T 645): pieces per reply, 2..16 (default 2)")
    .option("--gap-ms <ms>", "split (DL/T 645): real ms between pieces (default 30)")
    .action((u: string, kind: string, o: FaultFlags) =>
      run("POST", `/meters/${unit(u)}/faults${query({ bus: o.bus })}`, faultBody(kind, o)),
    );
  ctl
    .command("clear <unit> [kind]")
    .description("clear one fault kind, or all faults of the meter")
    .option("--bus <name>", "bus of the unit")
    .action((u: string, kind: string | undefined, o: { bus?: string }) =>
      run(
        "DELETE",
        `/meters/${unit(u)}/faults${kind === undefined ? "" : `/${encodeURIComponent(kind)}`}${query({ bus: o.bus })}`,
      ),
    );
}

/** `ctl advance` and `ctl speed`. */
function registerClockCommands(ctl: Command, run: Run): void {
  ctl
    .command("advance <duration>")
    .description("jump simulated time forward (90s, 10m, 2h, 1d)")
    .action((by: string) => run("POST", "/clock/advance", { by }));
  ctl
    .command("speed <n>")
    .description("set the time acceleration")
    .action((n: string) => run("POST", "/clock/speed", { speed: numberFlag("speed", n, 0.001, 1_000_000) }));
}

/** `ctl writes` and `ctl events`, which share their filters. */
function registerLogCommands(ctl: Command, run: Run): void {
  for (const [name, what] of [
    ["writes", "every write the simulator received"],
    ["events", "faults, relay changes, tamper and clock events"],
  ] as const) {
    ctl
      .command(name)
      .description(what)
      .option("--bus <name>", "only this bus")
      .option("--unit <id>", "only this unit")
      .option("--since <seq>", "only entries after this sequence number")
      .action((o: { bus?: string; unit?: string; since?: string }) =>
        run("GET", `/${name}${query({ bus: o.bus, unit: o.unit, since: o.since })}`),
      );
  }
}
