/* global document, setTimeout, clearTimeout, Node */
// Building blocks of the page: elements (text is always set as text, never parsed as HTML), formats,
// the toast and a small form dialog.

/** An element: attrs are properties (class, href, dataset, on*), children are nodes or text. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key in el) el[key] = value;
    else el.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export const dash = "–";
export const pad = (n) => String(n).padStart(2, "0");

/** Local date and time, e.g. 2026-12-01 18:04:05. */
export function fmtTime(ms) {
  if (ms === null || ms === undefined) return dash;
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A duration in words: 42 s, 5 min, 3 h 10 min, 2 d 4 h. */
export function fmtDuration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export const ago = (ms, nowMs) => (ms === null || ms === undefined ? dash : `${fmtDuration(nowMs - ms)} ago`);
export const kWh = (wh) => (wh === null || wh === undefined ? dash : `${(wh / 1000).toFixed(3)} kWh`);
export const watts = (w) => (w === null || w === undefined ? dash : `${Math.round(w)} W`);
export const yuan = (s) => (s === null || s === undefined ? dash : `¥${s}`);

/** A table with a header row; rows are arrays of cells (node, text, or {value, class}). */
export function table(headers, rows, { cls = "", rowAttrs = () => ({}) } = {}) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: cls },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          headers.map((name) => h("th", {}, name)),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((cells, i) =>
          h(
            "tr",
            rowAttrs(i),
            cells.map((cell, j) =>
              cell !== null && typeof cell === "object" && !(cell instanceof Node) && !Array.isArray(cell)
                ? h("td", { class: cell.class ?? "", dataset: { label: headers[j] } }, cell.value)
                : h("td", { dataset: { label: headers[j] } }, cell),
            ),
          ),
        ),
      ),
    ),
  );
}

let toastTimer;
/** A message at the bottom of the screen for a few seconds. */
export function toast(text, error = false) {
  const el = document.getElementById("toast");
  el.textContent = text;
  el.className = `show${error ? " error" : ""}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.className = ""), error ? 8000 : 5000);
}

/**
 * A modal form; resolves with the values by field name, or null when cancelled.
 * fields: [{ name, label, type?, value?, options? (select), required? }]
 */
export function formDialog(title, fields, submitLabel) {
  const dialog = document.getElementById("dialog");
  return new Promise((resolve) => {
    const inputs = fields.map((f) =>
      f.options
        ? h(
            "select",
            { name: f.name },
            f.options.map((o) => h("option", { value: o }, o)),
          )
        : h("input", {
            name: f.name,
            type: f.type ?? "text",
            value: f.value ?? "",
            required: f.required !== false,
            step: f.step,
          }),
    );
    const form = h(
      "form",
      { method: "dialog" },
      h("strong", {}, title),
      fields.map((f, i) => h("label", {}, f.label, inputs[i])),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", class: "primary", value: "ok" }, submitLabel),
        h("button", { type: "button", onclick: () => dialog.close("cancel") }, "Cancel"),
      ),
    );
    dialog.replaceChildren(form);
    dialog.onclose = () => {
      if (dialog.returnValue !== "ok") return resolve(null);
      resolve(Object.fromEntries(fields.map((f, i) => [f.name, inputs[i].value])));
    };
    dialog.returnValue = "";
    dialog.showModal();
    inputs[0]?.focus();
  });
}
