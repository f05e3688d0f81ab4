// The palette look-up, as falsecolor's own (Palette.kernel) does it, in float32 arithmetic.
//
// A value v between the limits lo..hi of an axis with n table cells falls in cell
// floor(clip((v - lo) * gain, 0, n - 1)), gain = n / (hi - lo), every step rounded to float32
// as numpy rounds it; a stretch maps the position in 0..1 first. The planes come as 16-bit
// codes, so the cell of every code is worked out once per change (65,536 values) and the
// image is then three table look-ups per pixel.

const f = Math.fround;
export const CODES = 65536;

// astropy.visualization's stretches, step by step in the precision numpy uses.
export function stretchOf(name) {
  if (name === "sqrt") return (x) => f(Math.sqrt(x));
  if (name === "asinh") {
    const a = f(0.1);
    const scale = Math.asinh(1 / 0.1);
    return (x) => f(f(Math.asinh(f(x / a))) / scale);
  }
  if (name === "log") {
    const scale = Math.log(1000 + 1);
    return (x) => f(f(Math.log(f(f(x * 1000) + 1))) / scale);
  }
  return null;
}

// cell(value): the table cell of a value on an axis with these limits (NaN for no value).
export function cellFunction(limits, n) {
  const lo = f(limits.low);
  const gain = f(n / (limits.high - limits.low));
  const unit = f(gain / n);
  const stretch = stretchOf(limits.stretch);
  const top = n - 1;
  return (value) => {
    let position = f(f(value) - lo);
    if (stretch === null) {
      position = f(position * gain);
    } else {
      position = f(position * unit);
      position = stretch(Math.min(Math.max(position, 0), 1));
      position = f(position * n);
    }
    return Math.floor(Math.min(Math.max(position, 0), top));
  };
}

// The value a code stands for (code 0: off the disc).
export function valueOf(scale, code) {
  return code === 0 ? NaN : f(scale.low + (code - 1) * scale.step);
}

// Tables from code to look-up offset: x gives 1 + cell * n, y gives the cell; code 0 gives 0, so a
// pixel off the disc (both codes 0) lands on entry 0 of the palette, its bad colour.
export function codeTables(planes, limits, n) {
  const xCell = cellFunction(limits.t, n);
  const yCell = cellFunction(limits.tau, n);
  const x = new Int32Array(CODES);
  const y = new Int32Array(CODES);
  for (let code = 1; code < CODES; code++) {
    x[code] = 1 + xCell(valueOf(planes.t, code)) * n;
    y[code] = yCell(valueOf(planes.tau, code));
  }
  return { x, y };
}

// Colour every pixel: out (Uint32Array over RGBA bytes) = palette[x[t] + y[tau]].
export function colourPixels(planes, tables, palette, out) {
  const t = planes.tCodes;
  const u = planes.tauCodes;
  const x = tables.x;
  const y = tables.y;
  const words = palette.words;
  for (let i = 0, count = t.length; i < count; i++) out[i] = words[x[t[i]] + y[u[i]]];
  if (planes.alphaPlane) fade(out, (i) => i, planes.alphaPlane);
}

// Colour every step-th pixel of a region (what the screen shows while a limit is dragged):
// region { x, y, width, height, step }, out holds width * height words.
export function colourRegion(planes, tables, palette, region, out) {
  const t = planes.tCodes;
  const u = planes.tauCodes;
  const x = tables.x;
  const y = tables.y;
  const words = palette.words;
  const { width, height, step } = region;
  const stride = planes.width * step;
  let k = 0;
  for (let row = 0, source = region.y * planes.width + region.x; row < height; row++, source += stride) {
    for (let column = 0, i = source; column < width; column++, i += step) out[k++] = words[x[t[i]] + y[u[i]]];
  }
  if (planes.alphaPlane) {
    const at = (j) => (region.y + Math.floor(j / width) * step) * planes.width + region.x + (j % width) * step;
    fade(out, at, planes.alphaPlane);
  }
}

// A faded limb: the palette's alpha times the composite's own.
function fade(out, sourceOf, alpha) {
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.length * 4);
  for (let j = 0, count = out.length; j < count; j++) {
    bytes[4 * j + 3] = Math.round((bytes[4 * j + 3] * alpha[sourceOf(j)]) / 255);
  }
}

// Counts of the codes (for the share of the disc beyond each limit) and their running sums.
export function cumulative(codes) {
  const counts = new Float64Array(CODES);
  for (let i = 0, count = codes.length; i < count; i++) counts[codes[i]]++;
  counts[0] = 0;
  for (let code = 1; code < CODES; code++) counts[code] += counts[code - 1];
  return counts;
}

// Share of the disc's pixels below and above the limits of one axis.
export function beyond(sums, scale, limits) {
  const total = sums[CODES - 1] || 1;
  const codeOf = (v) => Math.min(CODES - 1, Math.max(0, Math.floor((v - scale.low) / scale.step + 1)));
  const below = sums[Math.min(CODES - 1, Math.max(0, Math.ceil((limits.low - scale.low) / scale.step + 1) - 1))];
  return { below: below / total, above: (total - sums[codeOf(limits.high)]) / total };
}
