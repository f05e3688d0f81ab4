// The 2-D colour key: the palette over T (across) and the cloud axis (up), the disc's pixels as a
// density drawn over it, and a rectangle whose edges are the limits, dragged or resized by hand.

import { cellFunction, valueOf } from "./colour.js";

const MARGIN = { left: 48, right: 10, top: 10, bottom: 38 };
const GRAB = 7; // CSS pixels around an edge that grab it

function niceTicks(low, high, count) {
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  return { ticks, decimals: Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) };
}

export function roundedLimit(value, span) {
  const decimals = Math.max(0, Math.ceil(-Math.log10(span / 2000)));
  return +value.toFixed(Math.min(decimals, 8));
}

export class KeyView {
  constructor(canvas, { onChange, onCommit, bounds }) {
    this.canvas = canvas;
    this.context = canvas.getContext("2d");
    this.onChange = onChange;
    this.onCommit = onCommit;
    this.bounds = bounds; // { t: minimum, tau: minimum }
    this.planes = null;
    this.palette = null;
    this.limits = null;
    this.labels = { t: "T (K)", tau: "cloud" };
    this.domain = null;
    this.histogram = null;
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.listen();
  }

  setData(planes, palette, limits, labels) {
    const fresh = this.planes !== planes;
    this.planes = planes;
    this.palette = palette;
    this.limits = limits;
    this.labels = labels;
    const d = this.domain;
    const outside = d && (limits.t.low < d.t[0] || limits.t.high > d.t[1] || limits.tau.low < d.tau[0] || limits.tau.high > d.tau[1]);
    if (fresh || !d || outside) this.resetDomain();
    else this.draw();
  }

  setLimits(limits) {
    this.limits = limits;
    this.draw();
  }

  // The domain shown: the disc's bulk (0.1-99.9 %, widened) and the limits, whichever is wider.
  resetDomain() {
    const p = this.planes;
    const l = this.limits;
    const span = (a, b) => [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
    const t = span(p.t.domain, [l.t.low, l.t.high]);
    const tau = span(p.tau.domain, [l.tau.low, l.tau.high]);
    const pad = (d) => [d[0] - 0.04 * (d[1] - d[0]), d[1] + 0.04 * (d[1] - d[0])];
    this.domain = { t: pad(t), tau: pad(tau) };
    this.histogram = null;
    this.draw();
  }

  resize() {
    const ratio = window.devicePixelRatio || 1;
    const box = this.canvas.getBoundingClientRect();
    this.canvas.width = Math.max(1, Math.round(box.width * ratio));
    this.canvas.height = Math.max(1, Math.round(box.height * ratio));
    this.histogram = null;
    this.draw();
  }

  get area() {
    const box = this.canvas.getBoundingClientRect();
    return { x: MARGIN.left, y: MARGIN.top, w: box.width - MARGIN.left - MARGIN.right, h: box.height - MARGIN.top - MARGIN.bottom };
  }

  toT(x) {
    const a = this.area;
    return this.domain.t[0] + ((x - a.x) / a.w) * (this.domain.t[1] - this.domain.t[0]);
  }

  toTau(y) {
    const a = this.area;
    return this.domain.tau[1] - ((y - a.y) / a.h) * (this.domain.tau[1] - this.domain.tau[0]);
  }

  fromT(t) {
    const a = this.area;
    return a.x + ((t - this.domain.t[0]) / (this.domain.t[1] - this.domain.t[0])) * a.w;
  }

  fromTau(tau) {
    const a = this.area;
    return a.y + ((this.domain.tau[1] - tau) / (this.domain.tau[1] - this.domain.tau[0])) * a.h;
  }

  // Disc pixels per cell of a bins.w x bins.h grid over the domain.
  count(bins) {
    const p = this.planes;
    const binOf = (scale, domain, size) => {
      const table = new Int32Array(65536).fill(-1);
      for (let code = 1; code < 65536; code++) {
        const b = Math.floor(((valueOf(scale, code) - domain[0]) / (domain[1] - domain[0])) * size);
        if (b >= 0 && b < size) table[code] = b;
      }
      return table;
    };
    const xs = binOf(p.t, this.domain.t, bins.w);
    const ys = binOf(p.tau, this.domain.tau, bins.h);
    const counts = new Float64Array(bins.w * bins.h);
    const t = p.tCodes;
    const u = p.tauCodes;
    for (let i = 0, n = t.length; i < n; i++) {
      const x = xs[t[i]];
      const y = ys[u[i]];
      if (x >= 0 && y >= 0) counts[(bins.h - 1 - y) * bins.w + x]++;
    }
    let most = 0;
    for (const c of counts) most = Math.max(most, c);
    return { bins, counts, scale: 1 / Math.log1p(most || 1) };
  }

  draw() {
    if (!this.planes || !this.palette || !this.limits || !this.domain) return;
    const ratio = window.devicePixelRatio || 1;
    const a = this.area;
    const width = Math.max(1, Math.round(a.w * ratio));
    const height = Math.max(1, Math.round(a.h * ratio));
    const bins = { w: Math.max(1, Math.round(width / 2)), h: Math.max(1, Math.round(height / 2)) };
    if (!this.histogram || this.histogram.bins.w !== bins.w || this.histogram.bins.h !== bins.h) {
      this.histogram = this.count(bins);
    }
    const n = this.palette.size;
    const words = this.palette.words;
    const xCell = cellFunction(this.limits.t, n);
    const yCell = cellFunction(this.limits.tau, n);
    const columns = Int32Array.from({ length: width }, (_, i) => 1 + xCell(this.toT(a.x + (i + 0.5) / ratio)) * n);
    const rows = Int32Array.from({ length: height }, (_, j) => yCell(this.toTau(a.y + (j + 0.5) / ratio)));
    const shades = this.shades(width, height);
    const image = this.context.createImageData(width, height);
    const pixels = new Uint32Array(image.data.buffer);
    for (let j = 0, k = 0; j < height; j++) {
      const row = rows[j];
      for (let i = 0; i < width; i++, k++) {
        const word = words[columns[i] + row];
        pixels[k] = (word & 0x00ffffff) | ((((word >>> 24) * shades[k]) >>> 8) << 24);
      }
    }
    const context = this.context;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    context.putImageData(image, Math.round(a.x * ratio), Math.round(a.y * ratio));
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    this.drawAxes(a);
    this.drawRectangle();
  }

  drawAxes(a) {
    const context = this.context;
    context.strokeStyle = "#5a606b";
    context.lineWidth = 1;
    context.strokeRect(a.x - 0.5, a.y - 0.5, a.w + 1, a.h + 1);
    context.fillStyle = "#9aa0aa";
    context.font = "11px system-ui, sans-serif";
    const tTicks = niceTicks(this.domain.t[0], this.domain.t[1], Math.max(2, Math.floor(a.w / 60)));
    context.textAlign = "center";
    context.textBaseline = "top";
    for (const v of tTicks.ticks) {
      const x = this.fromT(v);
      context.fillRect(x, a.y + a.h, 1, 4);
      context.fillText(v.toFixed(tTicks.decimals), x, a.y + a.h + 5);
    }
    context.fillText(this.labels.t, a.x + a.w / 2, a.y + a.h + 21);
    const uTicks = niceTicks(this.domain.tau[0], this.domain.tau[1], Math.max(2, Math.floor(a.h / 40)));
    context.textAlign = "right";
    context.textBaseline = "middle";
    for (const v of uTicks.ticks) {
      const y = this.fromTau(v);
      context.fillRect(a.x - 4, y, 4, 1);
      context.fillText(v.toFixed(uTicks.decimals), a.x - 6, y);
    }
    context.save();
    context.translate(11, a.y + a.h / 2);
    context.rotate(-Math.PI / 2);
    context.textAlign = "center";
    context.fillText(this.labels.tau, 0, 0);
    context.restore();
  }

  // How strongly each key pixel shows its colour (0..256): faint where the disc has no pixel,
  // stronger with the logarithm of the count. Worked out once per histogram.
  shades(width, height) {
    const h = this.histogram;
    if (h.shades && h.shades.length === width * height) return h.shades;
    const { bins, counts, scale } = h;
    const shades = new Uint16Array(width * height);
    for (let j = 0, k = 0; j < height; j++) {
      const row = Math.min(bins.h - 1, Math.floor((j * bins.h) / height)) * bins.w;
      for (let i = 0; i < width; i++, k++) {
        const c = counts[row + Math.min(bins.w - 1, Math.floor((i * bins.w) / width))];
        shades[k] = Math.round(256 * (c > 0 ? 0.45 + 0.55 * Math.log1p(c) * scale : 0.22));
      }
    }
    h.shades = shades;
    return shades;
  }

  rectangle() {
    const l = this.limits;
    return { x0: this.fromT(l.t.low), x1: this.fromT(l.t.high), y0: this.fromTau(l.tau.high), y1: this.fromTau(l.tau.low) };
  }

  drawRectangle() {
    const r = this.rectangle();
    const context = this.context;
    context.save();
    context.beginPath();
    const a = this.area;
    context.rect(a.x, a.y, a.w, a.h);
    context.clip();
    for (const [colour, width] of [["rgba(0,0,0,0.75)", 3.5], ["#ffffff", 1.5]]) {
      context.strokeStyle = colour;
      context.lineWidth = width;
      context.strokeRect(r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0);
    }
    context.fillStyle = "#ffffff";
    for (const [x, y] of [[r.x0, r.y0], [r.x1, r.y0], [r.x0, r.y1], [r.x1, r.y1]]) context.fillRect(x - 3, y - 3, 6, 6);
    context.restore();
  }

  // Which edges a point grabs: {left, right, top, bottom} flags, or "move", or "new".
  grab(x, y) {
    const r = this.rectangle();
    const near = (p, q) => Math.abs(p - q) <= GRAB;
    const inY = y >= r.y0 - GRAB && y <= r.y1 + GRAB;
    const inX = x >= r.x0 - GRAB && x <= r.x1 + GRAB;
    const edges = { left: inY && near(x, r.x0), right: inY && near(x, r.x1), top: inX && near(y, r.y0), bottom: inX && near(y, r.y1) };
    if (edges.left || edges.right || edges.top || edges.bottom) return edges;
    if (x > r.x0 && x < r.x1 && y > r.y0 && y < r.y1) return "move";
    return "new";
  }

  // Limits from a drag: clamped to the options' bounds, low below high, rounded for the recipe.
  dragged(mode, start, x, y) {
    const l = start.limits;
    let [t0, t1, u0, u1] = [l.t.low, l.t.high, l.tau.low, l.tau.high];
    const dt = this.toT(x) - this.toT(start.x);
    const du = this.toTau(y) - this.toTau(start.y);
    if (mode === "move") {
      const shiftT = Math.max(dt, this.bounds.t - t0);
      const shiftU = Math.max(du, this.bounds.tau - u0);
      [t0, t1, u0, u1] = [t0 + shiftT, t1 + shiftT, u0 + shiftU, u1 + shiftU];
    } else if (mode === "new") {
      [t0, t1] = [this.toT(Math.min(start.x, x)), this.toT(Math.max(start.x, x))];
      [u0, u1] = [this.toTau(Math.max(start.y, y)), this.toTau(Math.min(start.y, y))];
    } else {
      if (mode.left) t0 += dt;
      if (mode.right) t1 += dt;
      if (mode.bottom) u0 += du;
      if (mode.top) u1 += du;
    }
    const tSpan = this.domain.t[1] - this.domain.t[0];
    const uSpan = this.domain.tau[1] - this.domain.tau[0];
    t0 = Math.max(t0, this.bounds.t);
    u0 = Math.max(u0, this.bounds.tau);
    t0 = roundedLimit(t0, tSpan);
    u0 = roundedLimit(u0, uSpan);
    t1 = roundedLimit(Math.max(t1, t0 + tSpan / 500), tSpan);
    u1 = roundedLimit(Math.max(u1, u0 + uSpan / 500), uSpan);
    return {
      t: { ...l.t, low: t0, high: t1, source: "given" },
      tau: { ...l.tau, low: u0, high: u1, source: "given" },
    };
  }

  listen() {
    const canvas = this.canvas;
    let drag = null;
    const point = (event) => {
      const box = canvas.getBoundingClientRect();
      return [event.clientX - box.left, event.clientY - box.top];
    };
    canvas.addEventListener("pointerdown", (event) => {
      if (!this.limits) return;
      const [x, y] = point(event);
      drag = { mode: this.grab(x, y), start: { x, y, limits: this.limits }, moved: false };
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", (event) => {
      const [x, y] = point(event);
      if (!drag) {
        const mode = this.limits ? this.grab(x, y) : "new";
        const edges = typeof mode === "object" ? mode : null;
        canvas.style.cursor = mode === "move" ? "move" : edges ? ((edges.left || edges.right) && (edges.top || edges.bottom) ? "nwse-resize" : edges.left || edges.right ? "ew-resize" : "ns-resize") : "crosshair";
        return;
      }
      if (drag.mode === "new" && Math.hypot(x - drag.start.x, y - drag.start.y) < 4) return;
      drag.moved = true;
      this.limits = this.dragged(drag.mode, drag.start, x, y);
      this.onChange(this.limits, event.timeStamp);
    });
    const end = () => {
      if (drag && drag.moved) this.onCommit(this.limits);
      drag = null;
    };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("dblclick", () => this.resetDomain());
    canvas.addEventListener(
      "wheel",
      (event) => {
        event.preventDefault();
        const [x, y] = point(event);
        const factor = Math.exp(event.deltaY * 0.0015);
        const t = this.toT(x);
        const u = this.toTau(y);
        this.domain = {
          t: [t - (t - this.domain.t[0]) * factor, t + (this.domain.t[1] - t) * factor],
          tau: [u - (u - this.domain.tau[0]) * factor, u + (this.domain.tau[1] - u) * factor],
        };
        this.histogram = null;
        this.draw();
      },
      { passive: false },
    );
  }
}
