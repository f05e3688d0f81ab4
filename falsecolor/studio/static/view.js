// The composite on screen: drawn at full resolution into an off-screen canvas, shown zoomed and panned.

export class ImageView {
  constructor(canvas, { onHover, onZoom }) {
    this.canvas = canvas;
    this.context = canvas.getContext("2d");
    this.box = canvas.parentElement;
    this.onHover = onHover;
    this.onZoom = onZoom;
    this.scale = 1;
    this.offset = [0, 0];
    this.image = null; // the whole composite: { width, height, canvas, context, data, words }
    this.coarse = null; // while a limit is dragged: the part on screen at screen resolution
    this.background = null;
    this.fitted = true;
    new ResizeObserver(() => this.resize()).observe(this.box);
    this.listen();
  }

  // A new size of data: the off-screen picture and its pixel buffer.
  setSize(width, height) {
    if (this.image && this.image.width === width && this.image.height === height) return;
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d");
    const data = context.createImageData(width, height);
    this.image = { width, height, canvas, context, data, words: new Uint32Array(data.data.buffer) };
    this.fitted = true;
    this.resize();
  }

  // The pixel words to fill, then show() them.
  get words() {
    return this.image.words;
  }

  show() {
    this.image.context.putImageData(this.image.data, 0, 0);
    this.coarse = null;
    this.draw();
  }

  // The data pixels the screen needs: the visible part, every step-th pixel when zoomed out.
  region() {
    const ratio = window.devicePixelRatio || 1;
    const step = Math.max(1, Math.floor(1 / (this.scale * ratio)));
    const box = this.box.getBoundingClientRect();
    const clampX = (v) => Math.min(this.image.width, Math.max(0, v));
    const clampY = (v) => Math.min(this.image.height, Math.max(0, v));
    const x0 = clampX(Math.floor(-this.offset[0] / this.scale));
    const y0 = clampY(Math.floor(-this.offset[1] / this.scale));
    const x1 = clampX(Math.ceil((box.width - this.offset[0]) / this.scale));
    const y1 = clampY(Math.ceil((box.height - this.offset[1]) / this.scale));
    const width = Math.max(1, Math.floor((x1 - x0) / step));
    const height = Math.max(1, Math.floor((y1 - y0) / step));
    return { x: x0, y: y0, width, height, step };
  }

  // A buffer for region(); fill its words, then showCoarse().
  coarseFor(region) {
    const c = this.coarse;
    if (!c || c.width !== region.width || c.height !== region.height) {
      const canvas = document.createElement("canvas");
      canvas.width = region.width;
      canvas.height = region.height;
      const context = canvas.getContext("2d");
      const data = context.createImageData(region.width, region.height);
      this.coarse = { ...region, canvas, context, data, words: new Uint32Array(data.data.buffer) };
    } else Object.assign(c, region);
    return this.coarse;
  }

  showCoarse() {
    this.coarse.context.putImageData(this.coarse.data, 0, 0);
    this.draw();
  }

  setBackground(rgba) {
    this.background = rgba ? `rgba(${rgba[0] * 255}, ${rgba[1] * 255}, ${rgba[2] * 255}, ${rgba[3]})` : null;
    this.box.classList.toggle("painted", Boolean(rgba && rgba[3] > 0));
    this.draw();
  }

  resize() {
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = this.box.getBoundingClientRect();
    this.canvas.width = Math.max(1, Math.round(width * ratio));
    this.canvas.height = Math.max(1, Math.round(height * ratio));
    if (this.fitted) this.fit();
    else this.draw();
  }

  fit() {
    if (!this.image) return;
    const ratio = window.devicePixelRatio || 1;
    const width = this.canvas.width / ratio;
    const height = this.canvas.height / ratio;
    this.scale = Math.min(width / this.image.width, height / this.image.height) * 0.97;
    this.offset = [(width - this.image.width * this.scale) / 2, (height - this.image.height * this.scale) / 2];
    this.fitted = true;
    this.draw();
  }

  zoomAt(factor, x, y) {
    const scale = Math.min(64, Math.max(0.02, this.scale * factor));
    this.offset = [x - ((x - this.offset[0]) * scale) / this.scale, y - ((y - this.offset[1]) * scale) / this.scale];
    this.scale = scale;
    this.fitted = false;
    this.draw();
  }

  oneToOne() {
    const { width, height } = this.box.getBoundingClientRect();
    this.zoomAt(1 / (window.devicePixelRatio || 1) / this.scale, width / 2, height / 2);
    this.offset = this.offset.map(Math.round); // whole pixels: the screen shows the data's own
    this.draw();
  }

  // What the screen shows (RGBA bytes of the visible canvas) and where the image's corner is on it.
  screen() {
    const ratio = window.devicePixelRatio || 1;
    const data = this.context.getImageData(0, 0, this.canvas.width, this.canvas.height);
    return { data, x: Math.round(this.offset[0] * ratio), y: Math.round(this.offset[1] * ratio), scale: this.scale * ratio };
  }

  draw() {
    const context = this.context;
    const ratio = window.devicePixelRatio || 1;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (this.background) {
      context.fillStyle = this.background;
      context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    }
    if (!this.image) return;
    context.setTransform(ratio * this.scale, 0, 0, ratio * this.scale, ratio * this.offset[0], ratio * this.offset[1]);
    const c = this.coarse;
    const shown = this.scale * ratio * (c ? c.step : 1);
    context.imageSmoothingEnabled = shown < 2 && shown !== 1; // pixels shown as squares from 2x
    context.imageSmoothingQuality = "high";
    if (c) context.drawImage(c.canvas, 0, 0, c.width, c.height, c.x, c.y, c.width * c.step, c.height * c.step);
    else context.drawImage(this.image.canvas, 0, 0);
    if (this.onZoom) this.onZoom(this.scale * ratio);
  }

  // The data pixel under a point of the canvas (CSS pixels), or null.
  pixelAt(x, y) {
    if (!this.image) return null;
    const column = Math.floor((x - this.offset[0]) / this.scale);
    const row = Math.floor((y - this.offset[1]) / this.scale);
    if (column < 0 || row < 0 || column >= this.image.width || row >= this.image.height) return null;
    return { x: column, y: row };
  }

  listen() {
    const canvas = this.canvas;
    let drag = null;
    const point = (event) => {
      const box = canvas.getBoundingClientRect();
      return [event.clientX - box.left, event.clientY - box.top];
    };
    canvas.addEventListener("pointerdown", (event) => {
      drag = { start: point(event), offset: [...this.offset] };
      canvas.setPointerCapture(event.pointerId);
      this.box.classList.add("dragging");
    });
    canvas.addEventListener("pointermove", (event) => {
      const [x, y] = point(event);
      if (drag) {
        this.offset = [drag.offset[0] + x - drag.start[0], drag.offset[1] + y - drag.start[1]];
        this.fitted = false;
        this.draw();
      }
      this.onHover(this.pixelAt(x, y));
    });
    const end = () => {
      drag = null;
      this.box.classList.remove("dragging");
    };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("pointerleave", () => this.onHover(null));
    canvas.addEventListener("dblclick", () => this.fit());
    canvas.addEventListener(
      "wheel",
      (event) => {
        event.preventDefault();
        const [x, y] = point(event);
        this.zoomAt(Math.exp(-event.deltaY * 0.0015), x, y);
      },
      { passive: false },
    );
  }
}
