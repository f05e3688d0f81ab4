// A control for every option, made from the option model's own declarations (sent by the server):
// kind, bounds or choices, default, help and flag are the command line's. Values are checked by the
// server, which answers with the command line's message when it refuses one.

const FILE_NOTE = "set on the command line: the studio reads only the files named there";

function element(tag, properties = {}, children = []) {
  const made = Object.assign(document.createElement(tag), properties);
  for (const child of children) made.append(child);
  return made;
}

function numberText(value) {
  return value === null || value === undefined ? "" : String(value);
}

function parseNumber(text) {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : trimmed; // the server names what is wrong with a word
}

function placeholderOf(option) {
  const value = option.default;
  if (value === null || value === undefined || value === "") return "default";
  return Array.isArray(value) ? value.join(" ") : String(value);
}

// The widget of one option: { root, get(), set(value) }.
function widget(option, palettes) {
  const kind = option.kind;
  if (kind === "Flag") {
    const box = element("input", { type: "checkbox" });
    return { root: box, inputs: [box], get: () => box.checked, set: (v) => (box.checked = Boolean(v)) };
  }
  if (kind === "Choice") {
    const select = element("select", {}, option.choices.map((c) => element("option", { value: c, textContent: c })));
    return { root: select, inputs: [select], get: () => select.value, set: (v) => (select.value = v ?? option.default) };
  }
  if (kind === "PaletteName") {
    const select = element("select");
    const file = element("input", { type: "text", placeholder: "palette file (.toml or .png)", spellcheck: false, hidden: true });
    const fill = (names, current) => {
      select.replaceChildren(...names.map((n) => element("option", { value: n, textContent: n })), element("option", { value: "\u0000file", textContent: "a file…" }));
      if (names.includes(current)) select.value = current;
      else {
        select.value = "\u0000file";
        file.value = current ?? "";
      }
      file.hidden = select.value !== "\u0000file";
    };
    select.addEventListener("change", () => (file.hidden = select.value !== "\u0000file"));
    const root = element("div", { className: "widget" }, [select, file]);
    return {
      root,
      inputs: [select, file],
      get: () => (select.value === "\u0000file" ? file.value.trim() || null : select.value),
      set: (v) => fill(palettes(), v),
      ready: () => select.value !== "\u0000file" || file.value.trim() !== "",
    };
  }
  if (kind === "Number" || kind === "Integer") {
    const input = element("input", { type: "number", placeholder: placeholderOf(option), step: kind === "Integer" ? "1" : "any" });
    if (option.low !== null && option.low !== undefined) input.min = option.low;
    if (option.high !== null && option.high !== undefined) input.max = option.high;
    return { root: input, inputs: [input], get: () => parseNumber(input.value), set: (v) => (input.value = numberText(v)) };
  }
  if (kind === "Pair") {
    const pair = [0, 1].map(() => element("input", { type: "number", step: "any", placeholder: "auto" }));
    for (const input of pair) {
      if (option.low !== null && option.low !== undefined) input.min = option.low;
      if (option.high !== null && option.high !== undefined) input.max = option.high;
    }
    const root = element("div", { className: "widget" }, pair);
    return {
      root,
      inputs: pair,
      get: () => {
        const values = pair.map((input) => parseNumber(input.value));
        return values.every((v) => v === null) ? null : values;
      },
      set: (v) => pair.forEach((input, i) => (input.value = v ? numberText(+(+v[i]).toPrecision(10)) : "")),
      ready: () => pair.every((input) => input.value.trim() !== "") || pair.every((input) => input.value.trim() === ""),
    };
  }
  const input = element("input", { type: "text", placeholder: placeholderOf(option), spellcheck: false });
  if (option.suggestions) {
    const list = element("datalist", { id: `suggest-${option.name}` }, option.suggestions.map((s) => element("option", { value: s })));
    input.setAttribute("list", list.id);
    return { root: element("div", { className: "widget" }, [input, list]), inputs: [input], get: () => input.value.trim() || null, set: (v) => (input.value = v ?? "") };
  }
  return { root: input, inputs: [input], get: () => input.value.trim() || null, set: (v) => (input.value = v === null || v === undefined ? "" : String(v)) };
}

function helpLine(option) {
  const help = element("div", { className: "help" });
  const flag = option.flag ? element("code", { textContent: option.flag }) : null;
  if (flag) help.append(flag, " · ");
  help.append(option.help);
  return help;
}

// One option's row: label, widget, unit, help, and the server's message when a value is refused.
function row(option, send, palettes) {
  const control = widget(option, palettes);
  const label = element("label", { textContent: option.name.replaceAll("_", " "), title: `${option.section}.${option.key}` });
  const unit = option.unit ? element("span", { className: "unit", textContent: option.unit }) : null;
  const holder = element("div", { className: "widget" }, unit ? [control.root, unit] : [control.root]);
  const problem = element("div", { className: "problem" });
  const root = element("div", { className: "option" }, [label, holder, helpLine(option), problem]);
  root.dataset.option = option.name;
  if (!option.editable) for (const input of control.inputs) input.readOnly = input.disabled = true;
  const changed = () => {
    if (control.ready && !control.ready()) return;
    send(option.name, control.get());
  };
  for (const input of control.inputs) input.addEventListener("change", changed);
  return { option, root, control, problem };
}

export class Controls {
  constructor(container, described, send) {
    this.container = container;
    this.send = send;
    this.rows = new Map();
    this.bandRows = new Map();
    this.palettes = [];
    this.values = {};
    const groups = new Map();
    for (const option of described.options) {
      if (!groups.has(option.group)) groups.set(option.group, []);
      groups.get(option.group).push(option);
    }
    for (const [title, options] of groups) {
      const details = element("details", { open: title === "colour axes" || title === "picture" }, [element("summary", { textContent: title })]);
      for (const option of options) {
        const made = row(option, (name, value) => this.send({ [name]: value }, name), () => this.palettes);
        if (!option.editable && option.name !== "demo") made.root.querySelector(".help").append(` (${FILE_NOTE})`);
        this.rows.set(option.name, made);
        details.append(made.root);
        if (option.kind === "BandRef") details.append(this.bandGroup(option.name, described.band_options));
      }
      container.append(details);
    }
  }

  // The read options of one input band, sent as the whole band's table.
  bandGroup(role, options) {
    const group = element("div", { className: "band" });
    const rows = [];
    for (const option of options) {
      const made = row(option, (name, value) => {
        const band = { ...(this.values[role] || {}), [name]: value };
        this.send({ [role]: band }, role, made);
      }, () => this.palettes);
      rows.push(made);
      group.append(made.root);
    }
    this.bandRows.set(role, { group, rows });
    return group;
  }

  // Show the server's values (after every change; a refused value keeps its text and message).
  update(values, palettes) {
    this.values = values;
    this.palettes = palettes;
    for (const [name, made] of this.rows) {
      if (!made.problem.textContent) made.control.set(values[name]);
      const hidden = (made.option.kind === "BandRef" || name === "demo") && (values[name] === null || values[name] === undefined);
      made.root.hidden = hidden;
    }
    for (const [role, { group, rows }] of this.bandRows) {
      const band = values[role];
      group.hidden = !band;
      for (const made of rows) if (band && !made.problem.textContent) made.control.set(band[made.option.name]);
      const path = this.rows.get(role);
      if (band && path) path.control.set(band.path);
    }
  }

  // A message under the option it names (or clear it).
  problem(name, message, bandRow = null) {
    const made = bandRow || this.rows.get(name);
    if (!made) return false;
    made.problem.textContent = message || "";
    for (const input of made.control.inputs) input.classList.toggle("invalid", Boolean(message));
    return true;
  }

  clearProblems() {
    for (const made of this.rows.values()) this.problem(null, "", made);
    for (const { rows } of this.bandRows.values()) for (const made of rows) this.problem(null, "", made);
  }
}
