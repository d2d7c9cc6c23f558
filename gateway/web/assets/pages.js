/* global document, URLSearchParams */
// The Overview, Meters and Events pages. Each returns { root, update }: root is built once (so a search
// box keeps its focus), update() fetches and fills in the data (on load and on every live tick).
import { view } from "./api.js";
import { ago, dash, fmtDuration, fmtTime, h, kWh, table, watts, yuan } from "./ui.js";

const alarmWords = {
  normal: "normal",
  warning1: "low credit",
  warning2: "very low credit",
  overdraft: "overdraft",
  exhausted: "credit exhausted",
};

export function overviewPage() {
  const body = h("div");
  const root = h("section", {}, h("h1", {}, "Overview"), body);
  async function update() {
    const o = await view("overview");
    document.getElementById("gateway-id").textContent = o.gatewayId;
    const health = o.health.status === "ok";
    const up = o.uplink;
    body.replaceChildren(
      h(
        "div",
        { class: "cards" },
        h(
          "div",
          { class: "card" },
          h("div", { class: "muted" }, "Gateway"),
          h("div", { class: "big" }, o.gatewayId),
          `version ${o.version} · up ${fmtDuration(o.uptimeMs)}`,
        ),
        h(
          "div",
          { class: "card", id: "health" },
          h("div", { class: "muted" }, "Health"),
          h("div", { class: `big ${health ? "ok" : "bad"}` }, health ? "OK" : "Degraded"),
          health
            ? "nothing needs attention"
            : h(
                "ul",
                { class: "reasons" },
                o.health.reasons.map((r) => h("li", {}, r)),
              ),
        ),
        h(
          "div",
          { class: "card" },
          h("div", { class: "muted" }, "Meters"),
          h("div", { class: "big" }, `${o.meters.online} / ${o.meters.total} online`),
          o.meters.offline > 0 ? h("span", { class: "bad" }, `${o.meters.offline} offline`) : "none offline",
          o.meters.unknown > 0 ? ` · ${o.meters.unknown} not polled yet` : "",
        ),
        h(
          "div",
          { class: "card" },
          h("div", { class: "muted" }, "Uplink"),
          h(
            "div",
            { class: `big ${!up.configured ? "muted" : up.connected ? "ok" : "bad"}` },
            !up.configured ? "off" : up.connected ? "connected" : "disconnected",
          ),
          `backlog ${
            Object.entries(up.backlog)
              .map(([s, n]) => `${s} ${n}`)
              .join(", ") || "0"
          } · last publish ${ago(up.lastPublishAtMs, o.nowMs)}`,
        ),
      ),
      h("h2", {}, "Buses"),
      table(
        ["Bus", "State", "Utilisation", "Errors by code", "Last error", "Queued"],
        o.buses.map((b) => [
          b.id,
          {
            value: b.state === "down" ? `down since ${fmtTime(b.downSinceMs)}` : b.state,
            class: b.state === "up" ? "ok" : b.state === "down" ? "bad" : "muted",
          },
          { value: `${(b.utilisation * 100).toFixed(1)} %`, class: "num" },
          Object.entries(b.errors)
            .map(([code, n]) => `${code} ${n}`)
            .join(", ") || "none",
          b.lastError ?? dash,
          Object.entries(b.queued)
            .map(([kind, n]) => `${n} ${kind}`)
            .join(", ") || "none",
        ]),
        { cls: "cards-on-phone" },
      ),
    );
  }
  return { root, update };
}

/** The cut column: why the customer is (or will be) cut, in words. */
export function cutText(cut) {
  if (cut === null) return dash;
  if (cut.state === "cut") return `cut: ${cut.reason}`;
  const announced = `cut announced for ${fmtTime(cut.plannedAtMs)}`;
  return cut.waitingFor ? `${announced}, waiting for ${cut.waitingFor}` : announced;
}

/** The relay column: position, and "does not follow its command" when so. */
export function relayCell(m) {
  if (m.relayDisobeys) return { value: `${m.relay ?? dash} · ${m.relayDisobeys}`, class: "bad" };
  return { value: m.relay ?? dash, class: m.relay === "open" ? "warn" : "" };
}

const meterColumns = [
  ["id", "Meter", (m) => m.id],
  ["account", "Account", (m) => m.account ?? ""],
  ["state", "Link", (m) => m.state],
  ["powerW", "Power", (m) => m.powerW ?? -1],
  ["energyWh", "Energy", (m) => m.energyWh ?? -1],
  ["balance", "Balance", (m) => (m.balance === null ? -Infinity : Number(m.balance))],
  ["alarm", "Alarm", (m) => m.alarm ?? ""],
  ["relay", "Relay", (m) => (m.relayDisobeys ? "~" : (m.relay ?? ""))],
  ["cut", "Cut", (m) => cutText(m.cut)],
  ["held", "Held", (m) => m.held.readings + m.held.jumps.length],
  ["lastError", "Last error", (m) => m.lastError ?? ""],
  ["lastSeenMs", "Last seen", (m) => m.lastSeenMs ?? 0],
];

const filters = {
  all: () => true,
  offline: (m) => m.state === "offline",
  cut: (m) => m.cut !== null,
  alarm: (m) => m.alarm !== null && m.alarm !== "normal",
  held: (m) => m.held.readings > 0 || m.held.jumps.length > 0,
  relay: (m) => m.relayDisobeys !== null,
  protected: (m) => m.protected !== null,
};

function meterCells(m, nowMs) {
  return [
    h("a", { href: `#/meter/${encodeURIComponent(m.id)}` }, m.id),
    [m.account ?? dash, m.serial === null ? "" : h("div", { class: "muted" }, `serial ${m.serial}`)],
    { value: m.state, class: m.state === "online" ? "ok" : m.state === "offline" ? "bad" : "muted" },
    { value: watts(m.powerW), class: "num" },
    { value: kWh(m.energyWh), class: "num" },
    { value: yuan(m.balance), class: "num" },
    {
      value: m.alarm === null ? dash : alarmWords[m.alarm],
      class: m.alarm === "normal" || m.alarm === null ? "" : "warn",
    },
    relayCell(m),
    {
      value: [
        cutText(m.cut),
        m.protected ? h("div", { class: "ok" }, `protected: ${m.protected.reason}`) : "",
      ],
      class: m.cut?.state === "cut" ? "bad cut" : m.cut ? "warn cut" : "cut",
    },
    m.held.readings + m.held.jumps.length === 0
      ? dash
      : { value: `${m.held.readings} readings, ${m.held.jumps.length} jumps`, class: "warn" },
    m.lastError ?? dash,
    ago(m.lastSeenMs, nowMs),
  ];
}

export function metersPage() {
  const state = { sort: "id", dir: 1, filter: "all", search: "" };
  const search = h("input", {
    type: "search",
    placeholder: "Search meter, account or serial",
    oninput: () => ((state.search = search.value.trim().toLowerCase()), fill()),
  });
  const select = h(
    "select",
    { onchange: () => ((state.filter = select.value), fill()) },
    Object.keys(filters).map((f) => h("option", { value: f }, f === "all" ? "all meters" : f)),
  );
  const holder = h("div");
  const root = h(
    "section",
    {},
    h("h1", {}, "Meters"),
    h("div", { class: "toolbar" }, search, select),
    holder,
  );
  let data = { meters: [], nowMs: 0 };
  function fill() {
    const column = meterColumns.find((c) => c[0] === state.sort);
    const rows = data.meters
      .filter(filters[state.filter])
      .filter(
        (m) =>
          !state.search ||
          [m.id, m.account ?? "", String(m.serial ?? "")].some((s) => s.toLowerCase().includes(state.search)),
      )
      .sort((a, b) => (column[2](a) < column[2](b) ? -1 : column[2](a) > column[2](b) ? 1 : 0) * state.dir);
    const t = table(
      meterColumns.map((c) => c[1]),
      rows.map((m) => meterCells(m, data.nowMs)),
      { cls: "cards-on-phone meters", rowAttrs: (i) => ({ dataset: { meter: rows[i].id } }) },
    );
    t.querySelectorAll("th").forEach((th, i) => {
      th.dataset.sort = meterColumns[i][0];
      if (meterColumns[i][0] === state.sort) th.className = `sorted${state.dir > 0 ? " asc" : ""}`;
      th.onclick = () => {
        state.dir = state.sort === meterColumns[i][0] ? -state.dir : 1;
        state.sort = meterColumns[i][0];
        fill();
      };
    });
    holder.replaceChildren(t, h("p", { class: "muted" }, `${rows.length} of ${data.meters.length} meters`));
  }
  async function update() {
    data = await view("meters");
    fill();
  }
  return { root, update };
}

export function eventsPage(route) {
  const params = route.params;
  const meter = h("input", { type: "search", placeholder: "meter id", value: params.get("meter") ?? "" });
  const type = h("input", {
    type: "search",
    placeholder: "type, e.g. cut.done",
    value: params.get("type") ?? "",
  });
  const severity = h(
    "select",
    {},
    ["", "info", "warning", "alarm", "critical"].map((s) =>
      h("option", { value: s, selected: s === (params.get("severity") ?? "") }, s || "any severity"),
    ),
  );
  const holder = h("div");
  for (const el of [meter, type, severity]) el.addEventListener("change", () => update());
  const root = h(
    "section",
    {},
    h("h1", {}, "Events"),
    h("div", { class: "toolbar" }, meter, type, severity),
    holder,
  );
  async function update() {
    const q = new URLSearchParams();
    if (meter.value.trim()) q.set("meter", meter.value.trim());
    if (type.value.trim()) q.set("type", type.value.trim());
    if (severity.value) q.set("severity", severity.value);
    const { events } = await view(`events?${q}`);
    holder.replaceChildren(eventTable(events));
  }
  return { root, update };
}

const severityClass = { info: "muted", warning: "warn", alarm: "bad", critical: "bad" };

export function eventTable(events) {
  return table(
    ["Time", "Severity", "Type", "Meter", "What happened"],
    events.map((e) => [
      fmtTime(e.atMs),
      { value: e.severity, class: severityClass[e.severity] },
      e.type,
      e.meter ? h("a", { href: `#/meter/${encodeURIComponent(e.meter)}` }, e.meter) : dash,
      e.message,
    ]),
    { cls: "cards-on-phone events" },
  );
}
