// falsecolor studio: the page. The server prepares the bands and checks every option; the page
// colours the composite itself, so that dragging a limit redraws it at once.

import { Refused, getBytes, getJSON, listen, postJSON, withToken } from "./api.js";
import { beyond, codeTables, colourPixels, colourRegion, cumulative, valueOf } from "./colour.js";
import { Controls } from "./controls.js";
import { KeyView } from "./key.js";
import { SavePanel } from "./save.js";
import { ImageView } from "./view.js";

const $ = (selector) => document.querySelector(selector);

// What the page holds; window.studio lets the tests and the benchmark look.
const studio = { state: null, planes: null, palette: null, limits: null, version: null, timings: [], renders: 0 };
window.studio = studio;
// For the tests: the whole composite as drawn in its canvas, and what the screen shows (base64 RGBA).
const base64 = (bytes) => {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
};
studio.pixels = () => base64(view.image.context.getImageData(0, 0, view.image.width, view.image.height).data);
studio.screen = () => {
  const shown = view.screen();
  return { data: base64(shown.data.data), width: shown.data.width, height: shown.data.height, x: shown.x, y: shown.y, scale: shown.scale };
};

const statusBox = $("#status");
const statusText = $("#status-text");
const messages = $("#messages");
let controls = null;
let applying = Promise.resolve();

const view = new ImageView($("#image"), { onHover: hover, onZoom: (z) => ($("#zoom-text").textContent = `${(z * 100).toFixed(z < 0.1 ? 1 : 0)}%`) });
const key = new KeyView($("#key"), {
  bounds: { t: 0.01, tau: 0 },
  // Chromium delivers pointer moves once per frame, so each is drawn at once (no wait for a frame).
  onChange: (limits, time) => render({ limits, time }),
  onCommit: (limits) => change({ t_limits: [limits.t.low, limits.t.high], tau_limits: [limits.tau.low, limits.tau.high] }, "t_limits"),
});
const saver = new SavePanel($("#save-panel"), $("#save-open"));

function setStatus(status) {
  statusBox.classList.toggle("busy", status.state === "preparing");
  $("#view").classList.toggle("stale", status.state === "preparing");
  statusBox.classList.toggle("error", status.state === "error");
  const bar = $("#progress div");
  if (status.state === "preparing") {
    const steps = status.steps || 3;
    bar.style.width = `${(100 * ((status.step || 0) + 0.5)) / steps}%`;
    statusText.textContent = `preparing: ${status.stage} (${(status.step || 0) + 1}/${steps})…`;
  } else if (status.state === "error") {
    statusText.textContent = status.message;
  } else {
    statusText.textContent = studio.planes ? `ready · ${studio.planes.width} × ${studio.planes.height} px` : "ready";
  }
}

function say(text, className = "") {
  const line = document.createElement("p");
  line.className = className;
  line.textContent = text;
  messages.prepend(line);
  while (messages.children.length > 5) messages.lastChild.remove();
}

async function loadPlanes(state) {
  const { version, data } = await getBytes("/api/planes");
  const p = state.planes;
  const count = p.width * p.height;
  const planes = {
    ...p,
    version: Number(version),
    tCodes: new Uint16Array(data, 0, count),
    tauCodes: new Uint16Array(data, 2 * count, count),
    alphaPlane: p.alpha ? new Uint8Array(data, 4 * count, count) : null,
  };
  planes.sums = { t: cumulative(planes.tCodes), tau: cumulative(planes.tauCodes) };
  return planes;
}

async function loadPalette(state) {
  const { data } = await getBytes("/api/palette");
  return { key: state.palette.key, name: state.palette.name, size: state.palette.size, words: new Uint32Array(data) };
}

// Show a state from the server: new planes or palette when they changed, then redraw.
function apply(state) {
  applying = applying.then(() => applyNow(state)).catch((error) => say(error.message, "error"));
  return applying;
}

async function applyNow(state) {
  // A state fetched before a change (the socket's "connected" asks for one) can arrive after it.
  if (studio.state && state.serial < studio.state.serial) return;
  studio.state = state;
  controls.update(state.values, state.palettes);
  saver.propose(state.save);
  if (!state.planes) return setStatus(state.status);
  if (!studio.planes || studio.planes.version !== state.version) {
    studio.planes = await loadPlanes(state);
    view.setSize(state.planes.width, state.planes.height);
  }
  if (!studio.palette || studio.palette.key !== state.palette.key || studio.palette.name !== state.palette.name) {
    studio.palette = await loadPalette(state);
  }
  studio.limits = state.limits;
  studio.labels = { t: state.labels.t, tau: state.labels.tau };
  view.setBackground(state.background);
  key.setData(studio.planes, studio.palette, studio.limits, studio.labels);
  render(null);
  setStatus(state.status);
  $("#save-open").disabled = false;
  if (!$("#preview").hidden) schedulePreview();
}

// Colour the composite from the planes with the current limits: while a limit is dragged, only what
// the screen shows, at screen resolution; the whole composite once the drag rests.
let settle = null;
function render(dragged) {
  if (!studio.planes || !studio.palette) return;
  const start = performance.now();
  if (dragged) studio.limits = dragged.limits;
  const tables = codeTables(studio.planes, studio.limits, studio.palette.size);
  const tabled = performance.now();
  let region = null;
  if (dragged) {
    region = view.region();
    colourRegion(studio.planes, tables, studio.palette, region, view.coarseFor(region).words);
  } else colourPixels(studio.planes, tables, studio.palette, view.words);
  const coloured = performance.now();
  if (dragged) view.showCoarse();
  else view.show();
  const shown = performance.now();
  key.setLimits(studio.limits);
  showLimits();
  const done = performance.now();
  studio.renders++;
  clearTimeout(settle);
  if (dragged) settle = setTimeout(() => render(null), 150);
  else {
    studio.fullRenders = (studio.fullRenders || 0) + 1;
    studio.fullTimings = [...(studio.fullTimings || []).slice(-50), done - start];
  }
  if (dragged && dragged.time !== undefined) {
    const timing = { event: dragged.time, start, drawn: done, pixels: region.width * region.height };
    Object.assign(timing, { tables: tabled - start, colour: coloured - tabled, show: shown - coloured, key: done - shown });
    studio.timings.push(timing);
    requestAnimationFrame(() => (timing.painted = performance.now()));
  }
}

function showLimits() {
  const l = studio.limits;
  const p = studio.planes;
  const t = beyond(p.sums.t, p.t, l.t);
  const u = beyond(p.sums.tau, p.tau, l.tau);
  const share = (s) => `${(100 * s.below).toFixed(1)}% below, ${(100 * s.above).toFixed(1)}% above`;
  const where = (axis) => (axis.source === "given" ? "given" : axis.source.replace(" of on-disc pixels", ""));
  $("#limits-text").innerHTML = "";
  for (const [name, axis, s, unit, digits] of [["T", l.t, t, " K", 2], [studio.labels.tau, l.tau, u, "", 3]]) {
    const lineText = document.createElement("div");
    lineText.textContent = `${name}: ${axis.low.toFixed(digits)} – ${axis.high.toFixed(digits)}${unit} (${where(axis)}${axis.stretch !== "linear" ? `, ${axis.stretch}` : ""}) · ${share(s)}`;
    $("#limits-text").append(lineText);
  }
}

async function change(changes, name, bandRow = null) {
  try {
    const state = await postJSON("/api/change", { changes });
    controls.problem(name, "", bandRow);
    await apply(state);
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    if (!controls.problem(name, error.message, bandRow)) say(error.message, "error");
    if (name === "t_limits") await apply(await getJSON("/api/state")); // put the rectangle back
  }
}

// The values under the pointer: at once from the planes, then exactly (and where) from the server.
let asking = false;
let wanted = null;
function hover(pixel) {
  const readout = $("#readout");
  wanted = pixel;
  if (!pixel || !studio.planes) {
    readout.textContent = "Point at the image for T, τ, latitude and longitude.";
    return;
  }
  const index = pixel.y * studio.planes.width + pixel.x;
  const t = valueOf(studio.planes.t, studio.planes.tCodes[index]);
  const tau = valueOf(studio.planes.tau, studio.planes.tauCodes[index]);
  readout.textContent = Number.isNaN(t) ? `off the disc · x ${pixel.x}, y ${pixel.y}` : `T ${t.toFixed(2)} K · ${studio.labels.tau} ${tau.toFixed(3)} · x ${pixel.x}, y ${pixel.y}`;
  if (!asking) askPixel();
}

async function askPixel() {
  const pixel = wanted;
  if (!pixel) return;
  asking = true;
  try {
    const info = await getJSON(`/api/pixel?x=${pixel.x}&y=${pixel.y}`);
    if (wanted && wanted.x === pixel.x && wanted.y === pixel.y) showPixel(info);
  } catch (_) {
    /* the readout keeps the page's own values */
  } finally {
    asking = false;
    if (wanted && (wanted.x !== pixel.x || wanted.y !== pixel.y)) askPixel();
  }
}

function showPixel(info) {
  const readout = $("#readout");
  readout.replaceChildren();
  const add = (label, value) => {
    const b = document.createElement("b");
    b.textContent = value;
    readout.append(`${label} `, b, "  ");
  };
  if (info.t === null) add("", "off the disc");
  else {
    add("T", `${info.t.toFixed(2)} K`);
    add(studio.labels.tau, info.tau === null ? "–" : info.tau.toFixed(3));
  }
  if (info.latitude !== undefined && info.latitude !== null) {
    add("lat", `${Math.abs(info.latitude).toFixed(1)}° ${info.latitude >= 0 ? "N" : "S"}`);
    add("lon", `${info.longitude.toFixed(1)}° W`);
    if (info.mu !== undefined && info.mu !== null) add("μ", info.mu.toFixed(2));
  }
  readout.append(`x ${info.x}, y ${info.y}`);
}

// The page preview (key, texts, background), drawn by the server as Save will.
let previewTimer = null;
let previewCount = 0;
function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(() => ($("#preview-image").src = withToken(`/api/preview.png?n=${++previewCount}`)), 350);
}

for (const tab of document.querySelectorAll("#tabs [data-tab]")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll("#tabs [data-tab]")) other.classList.toggle("active", other === tab);
    const preview = tab.dataset.tab === "preview";
    $("#preview").hidden = !preview;
    $("#view").hidden = preview;
    for (const id of ["#zoom-fit", "#zoom-one", "#zoom-text"]) $(id).hidden = preview;
    if (preview) schedulePreview();
    else view.resize();
  });
}
$("#zoom-fit").addEventListener("click", () => view.fit());
$("#zoom-one").addEventListener("click", () => view.oneToOne());
for (const button of document.querySelectorAll("#percentiles button")) {
  button.addEventListener("click", () => {
    const p = button.dataset.p.split(",").map(Number);
    change({ t_percentiles: p, tau_percentiles: p, t_limits: null, tau_limits: null }, "t_percentiles");
  });
}

function onEvent(event) {
  if (event.type === "progress") setStatus(event);
  else if (event.type === "warning") say(event.message);
  else if (event.type === "error") {
    setStatus({ state: "error", message: event.message });
    say(event.message, "error");
    getJSON("/api/state").then(apply);
  } else if (event.type === "ready" || event.type === "connected") getJSON("/api/state").then(apply);
}

async function start() {
  const described = await getJSON("/api/controls");
  controls = new Controls($("#controls"), described, (changes, name, bandRow) => change(changes, name, bandRow));
  await apply(await getJSON("/api/state"));
  listen(onEvent, () => setStatus({ state: "error", message: "the studio's server is not answering (stopped?)" }));
}

start().catch((error) => say(error.message, "error"));
