/**
 * The technician's commands while `meter-gateway run` owns the serial port (a real pty pair, the
 * simulator on the other end): `read` goes through the service, `relay test`, `meter swap`, `anomaly
 * resolve`, `backup now` and `status` act through its Unix socket, each audited like the MQTT command;
 * the log tells the story of a cut; `restore` of a verified and of a damaged backup once it is stopped.
 */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDb, rows } from "../helpers/database.ts";
import { waitFor } from "../helpers/index.ts";
import { gatewayCli, runCli } from "../helpers/run-cli.ts";
import { startTechnicianSite, type TechnicianSite } from "../helpers/technician-site.ts";

let site: TechnicianSite;
const cli = (...args: string[]) => runCli(gatewayCli, args, { timeoutMs: 60_000 });
const withConfig = (...args: string[]) => cli(...args, "-c", site.service.configFile);

interface MeterRow {
  id: string;
  state: string;
  balance: string | null;
  relay: string | null;
  billing: { heldJumps: Array<{ anomaly: number }>; cut: { reason: string; executed: boolean } | null };
}
const meterStatus = async (id: string) =>
  ((await site.service.status()).meters as MeterRow[]).find((m) => m.id === id)!;

/** The audit trail's command events of this run: command, code (refusals), source. */
const audit = () =>
  readDb(site.service.dbFile, (db) =>
    rows<{ type: string; payload_json: string }>(
      db,
      "SELECT type, payload_json FROM events WHERE type LIKE 'command.%' ORDER BY id",
    ).map((r) => {
      // The audit trail stores the event's data as the row's payload.
      const data = JSON.parse(r.payload_json) as Record<string, string>;
      return { type: r.type, command: data["command"], code: data["code"], source: data["source"] };
    }),
  );

/** The simulator's relay writes to `unit` (coil or register) since `since`. */
const relayWrites = async (unit: number, since = 0) =>
  (
    await site.sim.api.ok<{ writes: Array<{ seq: number; value: number; result: string }> }>(
      "GET",
      `/writes?unit=${unit}&since=${since}`,
    )
  ).writes;

beforeAll(async () => {
  site = await startTechnicianSite();
  await waitFor(
    async () => ((await site.service.status()).meters as MeterRow[]).every((m) => m.state === "online"),
    { timeoutMs: 20_000, description: "every meter online" },
  );
}, 60_000);
afterAll(async () => {
  await site?.stop();
});

describe("while the service holds the serial port", () => {
  it("`read -c --meter` asks the service, which reads at once through its bus; audited as meter.read", async () => {
    const result = await withConfig("read", "--meter", "flat-1");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `meter flat-1 (generic-prepaid) on ${site.device} 19200 8N1, read by the running service`,
    );
    expect(result.stdout).toMatch(/voltageV\s+230\.0 V/);
    expect(result.stdout).toMatch(/importEnergyWh\s+300\d{4} Wh \(300\d\.\d{3} kWh\)/);
    expect(result.stdout).toMatch(/relay\s+closed \(supply on\)/);
    expect(audit()).toContainEqual({
      type: "command.executed",
      command: "meter.read",
      code: undefined,
      source: "local technician (cli)",
    });
  });

  it("`relay test --yes` opens then closes the relay: both writes reach the meter, each read back", async () => {
    const before = (await relayWrites(1)).at(-1)?.seq ?? 0;
    const result = await withConfig("relay", "test", "--meter", "flat-1", "--yes");
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^relay test of meter flat-1: passed \(transaction local-[0-9a-f-]+\)$/m);
    expect(result.stdout).toMatch(/^ {2}open {3}ok, reads open \(relay operation \d+\)$/m);
    expect(result.stdout).toMatch(/^ {2}close {2}ok, reads closed \(relay operation \d+\)$/m);
    expect(result.code).toBe(0);
    const writes = await relayWrites(1, before);
    expect(writes.map((w) => w.result)).toEqual(["applied", "applied"]);
    expect((await site.sim.api.ok<{ relay: string }>("GET", "/meters/1")).relay).toBe("closed");
    const rowsOfTest = readDb(site.service.dbFile, (db) =>
      rows<{ action: string; requested_by: string }>(
        db,
        "SELECT action, requested_by FROM relay_ops WHERE meter_id = 'flat-1' ORDER BY id",
      ),
    );
    expect(rowsOfTest).toEqual([
      { action: "cut", requested_by: "technician" },
      { action: "restore", requested_by: "technician" },
    ]);
  });

  it("`relay test` asks first: without a terminal and without --yes it switches nothing", async () => {
    const before = (await relayWrites(1)).at(-1)?.seq ?? 0;
    const result = await withConfig("relay", "test", "--meter", "flat-1");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/confirm with --yes/);
    expect(await relayWrites(1, before)).toEqual([]);
  });

  it("`relay test` is refused for a protected account, and the refusal is audited", async () => {
    const before = (await relayWrites(2)).at(-1)?.seq ?? 0;
    const result = await withConfig("relay", "test", "--meter", "clinic", "--yes");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "error: relay test refused (PROTECTED): account clinic is protected (clinic): no relay test\n",
    );
    expect(await relayWrites(2, before)).toEqual([]);
    expect(audit()).toContainEqual({
      type: "command.refused",
      command: "relay.test",
      code: "PROTECTED",
      source: "local technician (cli)",
    });
  });

  it("`anomaly resolve` waives a held energy jump", async () => {
    // Same meter, same serial, its register 500 kWh further on: more than the supply can draw.
    await site.sim.api.ok("POST", "/meters/2/faults", {
      kind: "meter-replaced",
      serialNumber: 41000002,
      energyWh: 8_500_000,
    });
    const held = await waitFor(async () => (await meterStatus("clinic")).billing.heldJumps[0], {
      timeoutMs: 20_000,
      description: "the jump held",
    });
    const balanceBefore = (await meterStatus("clinic")).balance;
    const result = await withConfig(
      "anomaly",
      "resolve",
      "--meter",
      "clinic",
      "--anomaly",
      String(held.anomaly),
      "--action",
      "waive",
      "--reason",
      "register set on site",
    );
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(
      new RegExp(
        `^meter clinic: held jump of \\d+ Wh \\(anomaly ${held.anomaly}\\) waived \\(nothing charged\\); balance \\d+\\.\\d\\d yuan`,
      ),
    );
    expect((await meterStatus("clinic")).billing.heldJumps).toEqual([]);
    expect(Number((await meterStatus("clinic")).balance)).toBeGreaterThan(Number(balanceBefore) - 1);
    const again = await withConfig(
      "anomaly",
      "resolve",
      "--meter",
      "clinic",
      "--anomaly",
      String(held.anomaly),
      "--action",
      "waive",
      "--reason",
      "twice",
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: anomaly resolve refused \([A-Z_]+\): /);
  });

  it("`meter swap` reads the new meter, confirms it: the account carries over and the jump is not charged", async () => {
    const balanceBefore = Number((await meterStatus("flat-1")).balance);
    // The technician swaps the meter (new serial, a register far ahead) and confirms at once.
    await site.sim.api.ok("POST", "/meters/1/faults", {
      kind: "meter-replaced",
      serialNumber: 41000099,
      energyWh: 9_000_000,
    });
    const result = await withConfig("meter", "swap", "--meter", "flat-1", "--new-serial", "41000099");
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(
      /^meter flat-1: swap confirmed, serial 41000001 -> 41000099 \(transaction local-/m,
    );
    expect(result.stdout).toMatch(/new baseline 9000\.\d{3} kWh/);
    expect(result.code).toBe(0);
    // 6000 kWh at 0.5283 yuan/kWh would be 3169.80 yuan: the balance barely moved.
    const after = Number((await meterStatus("flat-1")).balance);
    expect(balanceBefore - after).toBeLessThan(1);
    const wrong = await withConfig("meter", "swap", "--meter", "flat-1", "--new-serial", "41000099");
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: meter swap refused \(NO_REPLACEMENT_PENDING\)/);
  });

  it("the log tells the story of a cut in single readable lines with fields; `status` names the reason", async () => {
    await waitFor(async () => (await meterStatus("shop")).billing.cut?.executed === true, {
      timeoutMs: 30_000,
      description: "the shop cut for arrears",
    });
    const lines = site.service.process
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { msg: string; event?: string; meterId?: string; accountId?: string });
    const story = lines.filter((l) => l.meterId === "shop" || l.accountId === "shop").map((l) => l.msg);
    expect(story).toContain("meter shop answers");
    expect(story).toContainEqual(
      expect.stringMatching(/^account shop: alarm 1 reached: balance 0\.\d\d yuan, threshold 0\.80 yuan$/),
    );
    expect(story).toContainEqual(
      expect.stringMatching(
        /^meter shop: supply will be cut at \S+ unless topped up \(balance -?\d+\.\d\d yuan\)$/,
      ),
    );
    expect(story).toContain("meter shop: supply cut (arrears)");
    expect(lines.find((l) => l.msg === "meter shop: supply cut (arrears)")).toMatchObject({
      event: "cut.done",
      accountId: "shop",
    });

    const status = await withConfig("status");
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      /^meter\s+bus\/unit\s+state\s+last seen\s+energy\s+account\s+balance\s+relay\s+protected\s+purchase$/m,
    );
    expect(status.stdout).toMatch(/^shop\s+rs485\/3\s+online\s.*\s-\d+\.\d\d yuan\s+open\s+no\s+0$/m);
    expect(status.stdout).toMatch(/^clinic\s+rs485\/2\s.*\syes\s+0$/m);
    expect(status.stdout).toMatch(/^flat-1\s.*\s4$/m);
    expect(status.stdout).toContain("shop: supply cut (arrears)");
    expect(status.stdout).toContain("clinic: protected (keep-power: clinic): never cut");

    // A local top-up through the socket restores it, and that is in the log too.
    const topup = await withConfig(
      "topup",
      "--account",
      "shop",
      "--amount-fen",
      "100000",
      "--seq",
      "1",
      "--ref",
      "r-1",
    );
    expect(topup.code, topup.stderr).toBe(0);
    await waitFor(() => site.service.process.output().includes('"msg":"meter shop: supply restored'), {
      timeoutMs: 20_000,
      description: "the restore in the log",
    });
  });

  it("`backup now` writes a consistent copy through the service, audited", async () => {
    const result = await withConfig("backup", "now");
    expect(result.stderr).toBe("");
    const file = /^backup written: (\S+) \(\d+ KiB\)/m.exec(result.stdout)?.[1];
    expect(file).toBeDefined();
    expect(statSync(file!).size).toBeGreaterThan(0);
    expect(audit()).toContainEqual({
      type: "command.executed",
      command: "backup",
      code: undefined,
      source: "local technician (cli)",
    });
  });

  it("`restore` refuses while the service runs and changes nothing", async () => {
    const backups = `${site.service.dataDir}/backups`;
    const result = await withConfig("restore", "--yes", `${backups}/does-not-matter.db`);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^error: the gateway service is running \(pid \d+\): stop it first \(systemctl stop meter-gateway\)/,
    );
  });

  it("`account adjust` and `account show` act through the service, audited with the operator", async () => {
    const adjusted = await withConfig(
      "account",
      "adjust",
      "--account",
      "clinic",
      "--amount-fen",
      "-250",
      "--reason",
      "meter test energy",
      "--operator",
      "li.wei",
    );
    expect(adjusted.stderr).toBe("");
    expect(adjusted.code).toBe(0);
    expect(adjusted.stdout).toMatch(
      /^account clinic: adjusted by -250 fen by li\.wei; balance \d+\.\d+ yuan/,
    );
    expect(audit()).toContainEqual({
      type: "command.executed",
      command: "adjustment",
      code: undefined,
      source: "local technician (cli, operator li.wei)",
    });
    const shown = await withConfig("account", "show", "--account", "clinic");
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("account clinic (customer -)");
    expect(shown.stdout).toContain("keep-power  on (clinic)");
    expect(shown.stdout).toMatch(/supply {6}clinic: relay closed, none/);
    const refused = await withConfig(
      "account",
      "adjust",
      "--account",
      "nobody",
      "--amount-fen",
      "1",
      "--reason",
      "x",
      "--operator",
      "li.wei",
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("error: account adjust refused (UNKNOWN_ACCOUNT): no account 'nobody'");
  });
});

describe("with the service stopped", () => {
  let backup: string;
  beforeAll(async () => {
    const made = await withConfig("backup", "now");
    backup = /^backup written: (\S+) /m.exec(made.stdout)![1]!;
    await site.service.stop();
  }, 60_000);

  it("`read -c --meter` opens the port itself again", async () => {
    const result = await withConfig("read", "--meter", "flat-1");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`meter flat-1 (generic-prepaid) on ${site.device} 19200 8N1\n`);
  });

  it("`restore` refuses a damaged backup and keeps the database", async () => {
    const damaged = `${site.service.dir.path}/damaged.db`;
    const bytes = Buffer.alloc(8192, 0x5a);
    bytes.write("SQLite format 3\0", 0, "latin1");
    writeFileSync(damaged, bytes);
    const before = statSync(site.service.dbFile).mtimeMs;
    const result = await withConfig("restore", "--yes", damaged);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`^error: ${damaged} cannot be restored: .*; nothing was changed\\n$`),
    );
    expect(statSync(site.service.dbFile).mtimeMs).toBe(before);
  });

  it("`restore` puts a verified backup in place, keeps the old database and audits the restore", async () => {
    const result = await withConfig("restore", "--yes", backup);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^backup \S+: integrity ok, schema version \d+$/m);
    const kept = /^the database it replaced is kept as (\S+)$/m.exec(result.stdout)?.[1];
    expect(kept).toBeDefined();
    expect(existsSync(kept!)).toBe(true);
    expect(result.code).toBe(0);
    const last = readDb(site.service.dbFile, (db) =>
      rows<{ type: string; payload_json: string }>(
        db,
        "SELECT type, payload_json FROM events ORDER BY id DESC LIMIT 1",
      ),
    )[0]!;
    expect(last.type).toBe("command.executed");
    expect(JSON.parse(last.payload_json)).toMatchObject({
      command: "restore",
      source: "local technician (cli)",
    });
  });
});
