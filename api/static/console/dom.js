// DOM helpers: every value from the API goes in as text (textContent), never as HTML.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "className") el.className = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let fieldCounter = 0;

// A labelled input, select or textarea: { el, input }.
export function field(labelText, control) {
  const id = `f${++fieldCounter}`;
  control.id = id;
  return { el: h("div", { className: "field" }, h("label", { for: id }, labelText), control), input: control };
}

export function select(options, value) {
  const el = h("select", {});
  for (const [v, text] of options) {
    const opt = h("option", { value: v }, text);
    if (v === value) opt.selected = true;
    el.append(opt);
  }
  return el;
}

export function message(kind, text) {
  return h("div", { className: `msg ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

// A table of rows: columns are [header, row => cell (text or Node), {num: true} (a figure) or {nowrap: true} (a day)].
function cellClass(opts) {
  if (!opts) return null;
  return [opts.num ? "num" : "", opts.nowrap ? "nowrap" : ""].join(" ").trim() || null;
}

export function table(caption, columns, rows, emptyText) {
  if (!rows.length) return h("p", { className: "muted" }, emptyText);
  const head = h("tr", {}, columns.map(([title, , opts]) => h("th", { scope: "col", className: cellClass(opts) }, title)));
  const body = rows.map((row) => h("tr", {}, columns.map(([, cell, opts]) => h("td", { className: cellClass(opts) }, cell(row) ?? ""))));
  return h("table", {}, h("caption", { className: "visually-hidden" }, caption), h("thead", {}, head), h("tbody", {}, body));
}

export function money(m) {
  return m ? `${m.amount} ${m.currency}` : "";
}

export function when(iso) {
  return iso ? iso.replace("T", " ").replace(/\.\d+/, "").replace("+00:00", " UTC") : "";
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
}
