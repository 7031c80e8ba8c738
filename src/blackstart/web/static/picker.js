// blackstart: a type-ahead picker of several choices over plain <select multiple> lists.
// Progressive enhancement: without JavaScript the lists are the form; with it they are
// hidden (still submitted) and one text field suggests matching options as you type
// (arrow keys move, Enter picks, Escape closes); each choice is a chip with a remove
// button; Backspace in the empty field removes the last one. The lists stay the truth:
// a pick toggles an <option> and fires "change" on its <select> (the graph listens).
(function () {
  "use strict";
  const root = document.querySelector("[data-picker]");
  if (!root) return;
  const selects = Array.from(root.querySelectorAll("select[multiple]"));
  const MAX = 12;
  let active = -1;
  let shown = [];

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  const options = [];
  for (const sel of selects) {
    const kind = sel.getAttribute("data-kind") || "";
    for (const opt of sel.options) options.push({ opt: opt, sel: sel, kind: kind, name: opt.textContent.trim() });
  }

  const box = el("div", { class: "picker" });
  const label = el("label", { for: "pick", class: "picker-label" }, root.getAttribute("data-picker"));
  const chips = el("ul", { class: "chips", "aria-label": "chosen to fail", "aria-live": "polite" });
  const input = el("input", {
    id: "pick", type: "text", role: "combobox", autocomplete: "off", "aria-autocomplete": "list",
    "aria-expanded": "false", "aria-controls": "pick-list", placeholder: "type a few letters, e.g. lis",
    size: "32",
  });
  const list = el("ul", { id: "pick-list", role: "listbox", class: "pick-list", "aria-label": "matches" });
  list.hidden = true;
  const hint = el("p", { class: "muted picker-hint", id: "pick-hint" },
    "↓ ↑ move, Enter picks, Escape closes; Backspace removes the last choice.");
  input.setAttribute("aria-describedby", "pick-hint");
  box.append(label, chips, input, list, hint);
  root.insertBefore(box, root.firstChild);
  for (const fs of root.querySelectorAll("fieldset")) fs.hidden = true;

  function toggle(o, on) {
    o.opt.selected = on === undefined ? !o.opt.selected : on;
    o.sel.dispatchEvent(new Event("change", { bubbles: true }));
  }

  let order = []; // chips in the order chosen (graph clicks included)

  function renderChips() {
    chips.replaceChildren();
    order = order.filter(function (o) { return o.opt.selected; });
    for (const o of options) if (o.opt.selected && order.indexOf(o) < 0) order.push(o);
    for (const o of order) {
      const li = el("li", { class: "chip" });
      li.append(el("span", {}, o.kind + " " + o.name));
      const x = el("button", { type: "button", "aria-label": "remove " + o.kind + " " + o.name }, "×");
      x.addEventListener("click", function () { toggle(o, false); input.focus(); });
      li.append(x);
      chips.append(li);
    }
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function setActive(i) {
    const items = list.querySelectorAll("[role=option]");
    if (!items.length) return;
    active = (i + items.length) % items.length;
    items.forEach(function (it, j) { it.setAttribute("aria-selected", j === active ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }

  function suggest() {
    const q = input.value.trim().toLowerCase();
    list.replaceChildren();
    if (!q) return close();
    const hits = options.filter(function (o) { return o.name.toLowerCase().indexOf(q) >= 0; });
    hits.sort(function (a, b) {
      return (a.name.toLowerCase().indexOf(q) !== 0) - (b.name.toLowerCase().indexOf(q) !== 0) ||
        a.name.length - b.name.length || (a.name < b.name ? -1 : 1);
    });
    shown = hits.slice(0, MAX);
    shown.forEach(function (o, i) {
      const li = el("li", { role: "option", id: "pick-" + i, "aria-selected": "false",
                            "data-value": o.opt.value, class: o.opt.selected ? "picked" : "" });
      li.append(el("span", { class: "muted" }, o.kind + " "), document.createTextNode(o.name));
      if (o.opt.selected) li.append(el("span", { class: "muted" }, " (chosen)"));
      li.addEventListener("mousedown", function (evt) { evt.preventDefault(); pick(o); });
      list.append(li);
    });
    if (!shown.length) list.append(el("li", { class: "muted" }, "no match"));
    if (hits.length > MAX) list.append(el("li", { class: "muted" }, (hits.length - MAX) + " more: type more letters"));
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    if (shown.length) setActive(0);
  }

  function pick(o) {
    toggle(o);
    input.value = "";
    close();
    input.focus();
  }

  input.addEventListener("input", suggest);
  input.addEventListener("keydown", function (evt) {
    if (evt.key === "ArrowDown") { evt.preventDefault(); if (list.hidden) suggest(); else setActive(active + 1); }
    else if (evt.key === "ArrowUp") { evt.preventDefault(); setActive(active - 1); }
    else if (evt.key === "Enter") {
      if (!list.hidden && active >= 0 && shown[active]) { evt.preventDefault(); pick(shown[active]); }
      else if (input.value.trim()) evt.preventDefault(); // never submit a half-typed name
    } else if (evt.key === "Escape") { close(); }
    else if (evt.key === "Backspace" && !input.value) {
      const chosen = options.filter(function (o) { return o.opt.selected; });
      if (chosen.length) toggle(chosen[chosen.length - 1], false);
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
  for (const sel of selects) sel.addEventListener("change", renderChips);
  renderChips();
  window.whatIfPicker = { input: input, options: options };
})();
