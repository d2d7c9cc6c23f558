/* global window */
// One meter: its facts, the technician's actions, the last 24 h as a chart (uPlot, served locally),
// held readings, balance history, relay operations (the audit trail) and events.
import { act, signedIn, view } from "./api.js";
import { cutText, eventTable, relayCell } from "./pages.js";
import { dash, fmtTime, formDialog, h, kWh, table, watts, yuan } from "./ui.js";

export function meterPage(route) {
  const meterId = route.arg;
  const facts = h("div");
  const actions = h("div", { class: "actions", id: "actions" });
  const confirmBox = h("div");
  const chart = h("div", { id: "chart" });
  const lists = h("div");
  const root = h(
    "section",
    {},
    h("h1", {}, `Meter ${meterId}`),
    facts,
    actions,
    confirmBox,
    h("h2", {}, "Last 24 hours"),
    chart,
    lists,
  );
  let plot = null;

  async function update() {
    const d = await view(`meters/${encodeURIComponent(meterId)}`);
    const m = d.meter;
    const relay = relayCell(m);
    facts.replaceChildren(
      table(
        ["Link", "Power", "Energy", "Balance", "Relay", "Cut", "Protected", "Last error", "Last seen"],
        [
          [
            m.state,
            watts(m.powerW),
            kWh(m.energyWh),
            yuan(m.balance),
            relay,
            { value: cutText(m.cut), class: "cut" },
            m.protected ? `yes: ${m.protected.reason}` : "no",
            m.lastError ?? dash,
            fmtTime(m.lastSeenMs),
          ],
        ],
        { cls: "cards-on-phone facts" },
      ),
    );
    fillActions(m);
    drawChart(d.chart);
    lists.replaceChildren(
      h("h2", {}, "Held readings"),
      heldList(m),
      h("h2", {}, "Balance history"),
      table(
        ["Time", "Kind", "Amount (yuan)", "Balance after"],
        d.balance.map((b) => [
          fmtTime(b.atMs),
          b.kind,
          { value: b.amount, class: "num" },
          { value: yuan(b.balanceAfter), class: "num" },
        ]),
        { cls: "cards-on-phone" },
      ),
      h("h2", {}, "Relay operations"),
      table(
        ["Requested", "Action", "Reason", "By", "Result", "Read back", "Completed"],
        d.relayOps.map((op) => [
          fmtTime(op.requestedAtMs),
          op.action,
          op.reason,
          op.requestedBy,
          {
            value: op.result ?? "in progress",
            class: op.result === "ok" ? "ok" : op.result ? "bad" : "muted",
          },
          op.readback ?? dash,
          fmtTime(op.completedAtMs),
        ]),
        { cls: "cards-on-phone relay-ops" },
      ),
      h("h2", {}, "Events"),
      eventTable(d.events),
    );
  }

  function heldList(m) {
    const rows = m.held.jumps.map((j) => [
      `energy jump #${j.anomaly}`,
      kWh(j.energyWh),
      signedIn()
        ? h("button", { type: "button", onclick: () => resolve(j.anomaly) }, "Charge or waive…")
        : h("span", { class: "muted" }, "sign in to resolve"),
    ]);
    if (m.held.readings > 0)
      rows.unshift([
        `${m.held.readings} readings held since ${fmtTime(m.held.sinceMs)}`,
        dash,
        "they are billed once plausible again",
      ]);
    if (m.replacement)
      rows.push([
        `meter replaced: serial ${m.replacement.oldSerial} → ${m.replacement.newSerial}`,
        dash,
        signedIn()
          ? h("button", { type: "button", onclick: () => swap(m) }, "Confirm swap…")
          : "sign in to confirm",
      ]);
    return rows.length === 0
      ? h("p", { class: "muted" }, "none")
      : table(["What", "Energy", ""], rows, { cls: "cards-on-phone held" });
  }

  function fillActions(m) {
    if (!signedIn())
      return actions.replaceChildren(
        h("span", { class: "muted" }, "Sign in to read now, test the relay, top up or confirm a swap."),
      );
    actions.replaceChildren(
      h("button", { type: "button", id: "read-now", onclick: readNow }, "Read now"),
      h(
        "button",
        {
          type: "button",
          id: "relay-test",
          disabled: m.protected !== null,
          title: m.protected ? "protected account: no relay test" : "",
          onclick: () => askRelayTest(),
        },
        "Relay test…",
      ),
      m.account ? h("button", { type: "button", id: "topup", onclick: () => topup(m) }, "Top up…") : "",
    );
  }

  async function readNow() {
    await act(
      "read-now",
      { meter: meterId },
      (r) =>
        `Read ${meterId}: ${Object.entries(r.reading.values)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")}`,
    );
    await update();
  }

  function askRelayTest() {
    confirmBox.replaceChildren(
      h(
        "div",
        { class: "confirm" },
        `Relay test on ${meterId}: the supply is cut, then restored, each read back. The customer loses power for a few seconds.`,
        h(
          "div",
          { class: "actions" },
          h(
            "button",
            { type: "button", class: "danger", id: "relay-test-confirm", onclick: runRelayTest },
            "Cut and restore now",
          ),
          h("button", { type: "button", onclick: () => confirmBox.replaceChildren() }, "Cancel"),
        ),
      ),
    );
  }

  async function runRelayTest() {
    confirmBox.replaceChildren(h("p", { class: "muted" }, "Relay test running…"));
    const outcome = await act("relay-test", { meter: meterId, confirm: true }, (r) =>
      r.passed
        ? `Relay test passed: opened (read back ${r.cut.readback}) and closed (read back ${r.restore.readback})`
        : `Relay test FAILED: cut ${r.cut.result}/${r.cut.readback}, restore ${r.restore.result}/${r.restore.readback}`,
    );
    confirmBox.replaceChildren(
      h(
        "p",
        { id: "relay-test-result", class: outcome.ok && outcome.result.passed ? "ok" : "bad" },
        outcome.ok ? (outcome.result.passed ? "Relay test passed" : "Relay test failed") : outcome.message,
      ),
    );
    await update();
  }

  async function resolve(anomaly) {
    const v = await formDialog(
      `Held energy jump #${anomaly}`,
      [
        { name: "action", label: "Charge it or waive it", options: ["waive", "charge"] },
        { name: "reason", label: "Reason (for the audit trail)" },
      ],
      "Resolve",
    );
    if (v)
      await act(
        "anomaly-resolve",
        { meter: meterId, anomaly, action: v.action, reason: v.reason },
        () => `Jump #${anomaly}: ${v.action}d`,
      );
    await update();
  }

  async function swap(m) {
    const v = await formDialog(
      `Confirm the new meter at ${meterId}`,
      [
        {
          name: "serial",
          label: "Serial on the new meter's label",
          value: String(m.replacement.newSerial),
          type: "number",
        },
        { name: "reason", label: "Reason", value: "meter replaced on site" },
      ],
      "Confirm swap",
    );
    if (v)
      await act(
        "meter-swap",
        { meter: meterId, serial: Number(v.serial), reason: v.reason },
        () => `Swap confirmed for ${meterId}`,
      );
    await update();
  }

  async function topup(m) {
    const v = await formDialog(
      `Top up account ${m.account}`,
      [
        { name: "yuan", label: "Amount (yuan)", type: "number", step: "0.01" },
        { name: "seq", label: "Purchase sequence (last + 1)", type: "number" },
        { name: "ref", label: "Payment reference (receipt)" },
      ],
      "Top up",
    );
    if (!v) return;
    const amountFen = Math.round(Number(v.yuan) * 100);
    await act(
      "topup",
      { account: m.account, amountFen, purchaseSeq: Number(v.seq), paymentRef: v.ref },
      (r) => `Top-up ${r.status}: balance ¥${r.balance}`,
    );
    await update();
  }

  function drawChart(c) {
    const uPlot = window.uPlot;
    const width = Math.max(280, chart.clientWidth - 16);
    const data = [c.t, c.powerW, c.energyKWh];
    if (plot && plot.width === width) return plot.setData(data);
    plot?.destroy();
    if (!uPlot) return chart.replaceChildren("chart library not loaded");
    chart.replaceChildren();
    plot = new uPlot(
      {
        width,
        height: 220,
        series: [
          {},
          { label: "Power (W)", stroke: "#1f6feb", scale: "W" },
          { label: "Energy (kWh)", stroke: "#1a7f37", scale: "kWh" },
        ],
        axes: [
          {},
          { scale: "W", label: "W" },
          { scale: "kWh", side: 1, label: "kWh", grid: { show: false } },
        ],
      },
      data,
      chart,
    );
  }

  return { root, update };
}
