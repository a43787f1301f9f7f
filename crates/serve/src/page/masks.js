// nst serve: the page's mask editor: one brush per painting over the photo (the scripts share app.js's state; index.html loads them in order).
'use strict';

/* ---------- masks ---------- */

function toggleMasks() {
  $('#mask-editor').hidden = !$('#masks-enabled').checked;
  loadMaskPhoto();
}

// Loads the photo (or the cat) into the mask canvas; a new photo starts a new label map.
function loadMaskPhoto() {
  if (!$('#masks-enabled').checked) return;
  const src = app.photo ? app.photo.url : withToken('api/default/content.png');
  if (src === mask.src) return;
  mask.src = src;
  mask.labels = null;
  const image = new Image();
  image.onload = () => { if (mask.src === src) setMaskPhoto(image); };
  image.onerror = () => {
    if (mask.src !== src) return;
    mask.src = '';
    showError('masks: the photo cannot be shown');
  };
  image.src = src;
}

function setMaskPhoto(image) {
  const canvas = $('#mask-canvas');
  mask.w = Math.min(MASK_WIDTH, image.naturalWidth);
  mask.h = Math.max(1, Math.round((mask.w * image.naturalHeight) / image.naturalWidth));
  canvas.width = mask.w;
  canvas.height = mask.h;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0, mask.w, mask.h);
  mask.photo = ctx.getImageData(0, 0, mask.w, mask.h);
  mask.labels = new Uint8Array(mask.w * mask.h);  // every pixel starts as style 1
  drawMask();
}

// The photo with each pixel tinted by its style's colour.
function drawMask() {
  if (!mask.labels) return;
  const out = new ImageData(mask.w, mask.h);
  const src = mask.photo.data;
  const dst = out.data;
  for (let i = 0, p = 0; i < mask.labels.length; i++, p += 4) {
    const color = COLORS[mask.labels[i] % COLORS.length];
    for (let c = 0; c < 3; c++) dst[p + c] = src[p + c] * (1 - TINT) + color[c] * TINT;
    dst[p + 3] = 255;
  }
  $('#mask-canvas').getContext('2d').putImageData(out, 0, 0);
}

// One brush button per style.
function renderBrushes() {
  const buttons = [];
  for (let k = 0; k < styleCount(); k++) {
    const button = element('button', { type: 'button', id: `brush-${k + 1}`, className: 'brush', textContent: k + 1 });
    button.style.setProperty('--swatch', rgb(COLORS[k % COLORS.length]));
    button.setAttribute('aria-label', `Brush of painting ${k + 1}`);
    button.addEventListener('click', () => selectBrush(k));
    buttons.push(button);
  }
  $('#brushes').replaceChildren(...buttons);
  selectBrush(Math.min(mask.brush, styleCount() - 1));
}

// Makes brush k (0-based) the active one, shown pressed.
function selectBrush(k) {
  mask.brush = k;
  document.querySelectorAll('#brushes button').forEach((button, i) => {
    button.setAttribute('aria-pressed', String(i === k));
  });
}

// A pointer event's position in canvas pixels (the canvas may be scaled by CSS).
function canvasPoint(event) {
  const box = event.currentTarget.getBoundingClientRect();
  return {
    x: ((event.clientX - box.left) * mask.w) / box.width,
    y: ((event.clientY - box.top) * mask.h) / box.height,
  };
}

// Paints the active brush's style along a segment, in discs of the brush's size.
function paintStroke(from, to) {
  const radius = Math.max(1, (($('#brush-size').value / 100) * mask.w) / 2);
  const steps = Math.max(1, Math.ceil(Math.hypot(to.x - from.x, to.y - from.y) / (radius / 2)));
  for (let s = 0; s <= steps; s++) {
    paintDisc(from.x + ((to.x - from.x) * s) / steps, from.y + ((to.y - from.y) * s) / steps, radius);
  }
  drawMask();
}

function paintDisc(cx, cy, radius) {
  const top = Math.max(0, Math.floor(cy - radius));
  const bottom = Math.min(mask.h - 1, Math.ceil(cy + radius));
  const left = Math.max(0, Math.floor(cx - radius));
  const right = Math.min(mask.w - 1, Math.ceil(cx + radius));
  for (let y = top; y <= bottom; y++) {
    for (let x = left; x <= right; x++) {
      if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= radius ** 2) mask.labels[y * mask.w + x] = mask.brush;
    }
  }
}

function listenToMaskCanvas() {
  const canvas = $('#mask-canvas');
  canvas.addEventListener('pointerdown', (event) => {
    if (!mask.labels || event.button !== 0) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    mask.last = canvasPoint(event);
    paintStroke(mask.last, mask.last);
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!mask.last || !mask.labels) return;
    const point = canvasPoint(event);
    paintStroke(mask.last, point);
    mask.last = point;
  });
  for (const type of ['pointerup', 'pointercancel']) {
    canvas.addEventListener(type, () => { mask.last = null; });
  }
}

// After painting `removed` (0-based) is taken out: its pixels go to style 1, later ones shift.
function relabelMask(removed) {
  if (!mask.labels) return;
  mask.labels.forEach((label, i) => {
    if (label === removed) mask.labels[i] = 0;
    else if (label > removed) mask.labels[i] = label - 1;
  });
}

// Uploads one PNG per style (white where that style paints); resolves to their ids.
async function uploadMasks() {
  if (!mask.labels) throw new Error('masks: the photo of the masks has not loaded yet');
  const ids = [];
  for (let k = 0; k < styleCount(); k++) {
    try {
      ids.push((await uploadImage(await maskPng(k))).id);
    } catch (e) {
      throw new Error(`mask ${k + 1}: ${e.message}`);
    }
  }
  return ids;
}

function maskPng(k) {
  const canvas = element('canvas', { width: mask.w, height: mask.h });
  const image = new ImageData(mask.w, mask.h);
  mask.labels.forEach((label, i) => image.data.set(label === k ? WHITE : BLACK, 4 * i));
  canvas.getContext('2d').putImageData(image, 0, 0);
  return new Promise((resolve, reject) => canvas.toBlob(
    (blob) => (blob ? resolve(blob) : reject(new Error('the PNG cannot be made'))), 'image/png'));
}
