// nst serve: the page. It uploads the photo, the paintings and the masks as they are
// chosen, starts jobs with the settings, and follows their events (preview, losses, curve).
'use strict';

const $ = (selector) => document.querySelector(selector);
const element = (tag, properties) => Object.assign(document.createElement(tag), properties);

const TOKEN = new URLSearchParams(location.search).get('token');
const TOKEN_MESSAGE = 'this page needs its token: open the address that carries it (?token=…)';
// One colour per style, in the paintings list, the brushes and the mask canvas.
const COLORS = [[66, 133, 244], [244, 160, 0], [52, 168, 83], [234, 67, 53],
  [171, 71, 188], [0, 172, 193], [255, 112, 67], [158, 157, 36]];
const MASK_WIDTH = 512;  // the mask canvas's largest width, in pixels
const TINT = 0.45;       // opacity of a style's colour over the photo
const [WHITE, BLACK] = [[255, 255, 255, 255], [0, 0, 0, 255]];

const app = {
  info: null,       // GET /api/info
  photo: null,      // {file, url, id, dims, pending} or null for the cat
  styles: [],       // [{file, url, id, pending, el}]; empty for the Starry Night
  job: null,        // {id, es, result, stopping}: the last job started
  busy: false,      // a job is being submitted
  recipeBlend: [],  // blend weights of the last recipe, for paintings chosen after it
  curve: [],        // [{total, scale}] of the job's progress events
  curvePending: false, // a redraw of the curve is scheduled
};

// The mask editor: the photo at the canvas size and one style index per pixel.
const mask = { src: '', w: 0, h: 0, photo: null, labels: null, brush: 0, last: null };

/* ---------- server ---------- */

// `url` with the token as a query parameter (EventSource, links and images send no header).
function withToken(url) {
  if (!TOKEN) return url;
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(TOKEN)}`;
}

// fetch() with the token; resolves to the JSON answer (null when empty), rejects with a
// one-line Error carrying the server's message.
async function api(path, { method = 'GET', body, json } = {}) {
  const headers = {};
  if (TOKEN) headers.Authorization = `Bearer ${TOKEN}`;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  }
  let response, text;
  try {
    response = await fetch(path, { method, headers, body });
    text = await response.text();
  } catch (e) {
    throw new Error(`cannot reach the server (${e.message})`);
  }
  if (response.status === 401) throw new Error(TOKEN_MESSAGE);
  if (!response.ok) throw new Error(errorMessage(text) || `${response.status} ${response.statusText}`);
  return text ? JSON.parse(text) : null;
}

// Why the server refused a job's event stream (an EventSource does not say): its own message.
async function refusal(id) {
  const controller = new AbortController();
  const headers = TOKEN ? { Authorization: `Bearer ${TOKEN}` } : {};
  try {
    const url = `api/jobs/${encodeURIComponent(id)}/events`;
    const response = await fetch(url, { headers, signal: controller.signal });
    if (response.ok) return 'the server closed its event stream';
    if (response.status === 401) return TOKEN_MESSAGE;
    return errorMessage(await response.text()) || `${response.status} ${response.statusText}`;
  } catch (e) {
    return `cannot reach the server (${e.message})`;
  } finally {
    controller.abort();
  }
}

// The `error` of a JSON error body, else its first line.
function errorMessage(text) {
  try {
    return JSON.parse(text).error;
  } catch {
    return text.trim().split('\n')[0];
  }
}

// Uploads an image file or blob; resolves to {id, width, height}.
function uploadImage(blob) {
  const limit = app.info?.max_upload_mib;
  if (limit && blob.size > limit * 1048576) {
    const size = (blob.size / 1048576).toFixed(1);
    return Promise.reject(new Error(`the file is ${size} MiB, over the server's limit of ${limit} MiB`));
  }
  return api('api/images', { method: 'POST', body: blob });
}

async function loadInfo() {
  try {
    app.info = await api('api/info');
    $('#info').textContent = `nst ${app.info.version} · ${app.info.device}`;
    showPreset();
  } catch (e) {
    showError(`server: ${e.message}`);
  }
}

/* ---------- errors and state ---------- */

// Adds a line to #error (an action's failures are all shown, until the next action).
function showError(message) {
  const box = $('#error');
  box.textContent = box.textContent ? `${box.textContent}\n${message}` : message;
}

function clearError() {
  $('#error').textContent = '';
}

function setState(state, status) {
  document.body.dataset.state = state;
  $('#status').textContent = status;
  refreshButtons();
}

const pendingUploads = () =>
  (app.photo?.pending ? 1 : 0) + app.styles.filter((style) => style.pending).length;

function refreshButtons() {
  const active = ['queued', 'running'].includes(document.body.dataset.state);
  const uploading = pendingUploads() > 0;
  const blocked = uploading || app.busy || active;
  $('#start').disabled = blocked;
  $('#continue').disabled = blocked || !app.job?.result;
  $('#stop').disabled = !active || Boolean(app.job?.stopping);
  $('#stop').textContent = app.job?.stopping && active ? 'Stopping…' : 'Stop';
}

/* ---------- photo ---------- */

// Chooses the photo (null: the cat) and uploads it.
function setPhoto(file) {
  if (app.photo) URL.revokeObjectURL(app.photo.url);
  const photo = file && { file, url: URL.createObjectURL(file), id: null, dims: '', pending: true };
  app.photo = photo;
  renderPhoto();
  loadMaskPhoto();
  if (!photo) return;
  uploadImage(file)
    .then(({ id, width, height }) => Object.assign(photo, { id, dims: `${width}×${height}` }))
    .catch((e) => {
      if (app.photo !== photo) return;
      setPhoto(null);
      showError(`photo: ${e.message}`);
    })
    .finally(() => {
      photo.pending = false;
      renderPhoto();
    });
}

function renderPhoto() {
  const photo = app.photo;
  $('#photo-thumb').src = photo ? photo.url : withToken('api/default/content.png');
  $('#photo-name').textContent = photo ? photo.file.name : 'No photo: the embedded cat is used';
  $('#photo-note').textContent = !photo ? 'Drop a photo here or click to choose'
    : photo.pending ? 'uploading…' : `${photo.dims}: drop or click to change`;
  $('#photo-drop').classList.toggle('uploading', Boolean(photo?.pending));
  $('#photo-remove').hidden = !photo;
  refreshButtons();
}

/* ---------- paintings ---------- */

function addStyles(files) {
  for (const file of files) addStyle(file);
  stylesChanged();
}

// Appends a painting to the list and uploads it; a failed upload removes it again.
function addStyle(file) {
  const style = { file, url: URL.createObjectURL(file), id: null, pending: true };
  style.el = styleItem(style, app.recipeBlend[app.styles.length] ?? 1);
  app.styles.push(style);
  $('#styles').append(style.el);
  uploadImage(file)
    .then(({ id, width, height }) => {
      style.id = id;
      style.el.querySelector('.upload').textContent = `${width}×${height}`;
    })
    .catch((e) => {
      if (!app.styles.includes(style)) return;
      showError(`painting ${app.styles.indexOf(style) + 1}: ${e.message}`);
      removeStyle(style);
    })
    .finally(() => {
      style.pending = false;
      style.el.classList.remove('uploading');
      refreshButtons();
    });
}

// The list item of a painting: thumbnail, name, upload note, blend slider, remove button.
function styleItem(style, weight) {
  const item = element('li', { className: 'style uploading' });
  item.innerHTML = `<span class="swatch"></span><img class="thumb" alt="">
    <div class="style-body">
      <div class="style-head"><span class="style-name"></span><span class="upload muted">uploading…</span></div>
      <label class="blend-row"><span>Blend</span>
        <input class="blend" type="range" min="0" max="1" step="any"><output></output></label>
    </div>
    <button type="button" class="remove">×</button>`;
  item.querySelector('.thumb').src = style.url;
  item.querySelector('.style-name').textContent = style.file.name;
  const slider = item.querySelector('.blend');
  slider.addEventListener('input', () => { slider.nextElementSibling.value = Number(slider.value).toFixed(2); });
  setBlend(slider, weight);
  item.querySelector('.remove').addEventListener('click', () => removeStyle(style));
  return item;
}

function setBlend(slider, weight) {
  slider.value = weight;
  slider.dispatchEvent(new Event('input'));
}

function removeStyle(style) {
  const index = app.styles.indexOf(style);
  app.styles.splice(index, 1);
  style.el.remove();
  URL.revokeObjectURL(style.url);
  relabelMask(index);
  stylesChanged();
}

// Renumbers the list after a change, and updates the brushes and the mask.
function stylesChanged() {
  app.styles.forEach((style, i) => {
    style.el.querySelector('.swatch').style.background = rgb(COLORS[i % COLORS.length]);
    style.el.querySelector('.swatch').textContent = i + 1;
    style.el.querySelector('.remove').setAttribute('aria-label', `Remove painting ${i + 1}`);
  });
  $('#style-default').hidden = app.styles.length > 0;
  renderBrushes();
  drawMask();
  refreshButtons();
}

const styleCount = () => Math.max(1, app.styles.length);
const rgb = ([r, g, b]) => `rgb(${r}, ${g}, ${b})`;

/* ---------- settings ---------- */

const optionControls = () => document.querySelectorAll('[data-option]');

// Shows the preset's values as placeholders and in the selects' "preset" choices.
function showPreset() {
  const values = app.info?.presets?.[$('#preset').value];
  if (!values) return;
  for (const control of optionControls()) {
    const value = values[control.dataset.option];
    const presetChoice = control.querySelector('option[data-preset]');
    if (presetChoice) presetChoice.textContent = value ? `${value} (preset)` : 'preset';
    else if (control.tagName === 'INPUT') control.placeholder = value ?? '';
  }
}

// The job's options: the preset, every non-empty control, and the paintings' blend.
function buildOptions() {
  const options = { preset: $('#preset').value };
  for (const control of optionControls()) {
    const name = control.dataset.option;
    if (!control.checkValidity()) throw new Error(`${name}: ${control.validationMessage}`);
    const value = control.value.trim();
    if (value) options[name] = value;
  }
  if (app.styles.length >= 2) {
    options['style-blend'] = app.styles.map((style) => style.el.querySelector('.blend').value).join(',');
  }
  return options;
}

/* ---------- recipe ---------- */

async function loadRecipe(file) {
  const note = $('#recipe-note');
  note.textContent = 'reading the recipe…';
  try {
    applyRecipe(await api('api/recipe', { method: 'POST', body: file }));
  } catch (e) {
    note.textContent = '';
    showError(`recipe: ${e.message}`);
  }
}

// Puts a recipe's options in the controls: all explicit, over the preset they are read on.
function applyRecipe({ options, styles, masks, init_image: initImage }) {
  $('#preset').value = options.preset || 'fast';
  showPreset();
  for (const control of optionControls()) {
    const value = options[control.dataset.option] ?? '';
    control.value = value;
    if (control.value !== value) control.value = '';  // e.g. preserve-colors "none"
  }
  const weights = (options['style-blend'] ?? '').split(',').map(Number).filter((w) => w >= 0);
  const largest = Math.max(...weights, 0);
  app.recipeBlend = largest > 0 ? weights.map((w) => w / largest) : [];
  app.styles.forEach((style, i) => setBlend(style.el.querySelector('.blend'), app.recipeBlend[i] ?? 1));
  const them = styles === 1 ? 'it' : 'them';
  $('#recipe-note').textContent = `Settings loaded: this recipe used ${styles} painting${styles === 1 ? '' : 's'}: `
    + `choose ${them} again${masks ? ', and paint its masks again' : ''}.`
    + `${initImage ? ' It started from an image file, which cannot be given here.' : ''}`;
}

/* ---------- jobs ---------- */

// Starts a job with the current inputs and settings, from the last job's image if asked.
async function submit(continueFrom) {
  clearError();
  app.busy = true;
  refreshButtons();
  try {
    const options = buildOptions();
    // The masks first: the paintings are read after them, so both lists agree.
    const masks = $('#masks-enabled').checked ? await uploadMasks() : [];
    const job = {
      content: app.photo?.id ?? null,
      styles: app.styles.length ? app.styles.map((style) => style.id) : [null],
      masks,
      options,
      continue_from: continueFrom,
    };
    const { id } = await api('api/jobs', { method: 'POST', json: job });
    follow(id);
  } catch (e) {
    showError(`${continueFrom ? 'continue' : 'start'}: ${e.message}`);
  } finally {
    app.busy = false;
    refreshButtons();
  }
}

// Follows a job's events until it is done or failed.
function follow(id) {
  app.job?.es.close();
  const es = new EventSource(withToken(`api/jobs/${encodeURIComponent(id)}/events`));
  const job = { id, es, result: null, stopping: false };
  app.job = job;
  $('#preview').dataset.previews = '0';
  $('#download').hidden = true;
  $('#losses').replaceChildren();
  app.curve = [];
  drawCurve();
  setState('queued', 'waiting for the server…');

  const on = (type, handler) => es.addEventListener(type, (e) => handler(JSON.parse(e.data)));
  on('queued', ({ position }) => setState('queued', `queued: place ${position} in line`));
  on('started', ({ iterations }) => setState('running', `iteration 0 of ${iterations}`));
  on('progress', onProgress);
  on('preview', ({ image }) => {
    const preview = $('#preview');
    preview.src = image;
    preview.dataset.previews = Number(preview.dataset.previews) + 1;
  });
  on('done', ({ state, result }) => {
    es.close();
    job.result = result;
    if (result) showDownload(id, result);
    setState(state, state);
  });
  on('failed', ({ error, result }) => {
    es.close();
    job.result = result;
    if (result) showDownload(id, result);
    showError(error);
    setState('failed', 'failed');
  });
  // A reopened stream replays the job's progress from the start.
  es.addEventListener('open', () => {
    app.curve = [];
    if (job.lost) clearError();
    job.lost = false;
  });
  es.addEventListener('error', () => {
    if (es.readyState === EventSource.CLOSED) {
      setState('failed', 'failed');
      refusal(id).then((why) => showError(`job ${id}: ${why}`));
    } else if (!job.lost) {
      job.lost = true;
      showError('lost the connection to the server: reconnecting…');
    }
  });
}

function onProgress({ iteration, iterations, scale, scales, total, losses, elapsed_s: elapsed }) {
  setState('running', `iteration ${iteration} of ${iterations}`);
  app.curve.push({ total, scale });
  const terms = Object.entries({ ...losses, total }).map(([name, value]) => term(name, formatLoss(value)));
  if (scales > 1) terms.push(term('scale', `${scale + 1} of ${scales}`));
  if (elapsed !== undefined) terms.push(term('time', `${elapsed.toFixed(1)} s`));
  $('#losses').replaceChildren(...terms);
  scheduleCurve();
}

function showDownload(id, result) {
  const link = $('#download');
  link.href = withToken(result);
  link.download = `nst-${id}.png`;
  link.hidden = false;
}

async function stop() {
  const job = app.job;
  job.stopping = true;
  refreshButtons();
  try {
    await api(`api/jobs/${encodeURIComponent(job.id)}/stop`, { method: 'POST' });
  } catch (e) {
    job.stopping = false;
    refreshButtons();
    showError(`stop: ${e.message}`);
  }
}

/* ---------- losses and curve ---------- */

// One "name value" pair of #losses.
function term(name, value) {
  const span = element('span', { className: 'term' });
  span.append(element('b', { textContent: name }), ` ${value}`);
  return span;
}

function formatLoss(x) {
  const size = Math.abs(x);
  if (size !== 0 && (size >= 1e4 || size < 1e-2)) return x.toExponential(2).replace('e+', 'e');
  return String(Number(x.toPrecision(3)));
}

// Draws the curve at the next frame, once however many events arrived before it.
function scheduleCurve() {
  if (app.curvePending) return;
  app.curvePending = true;
  requestAnimationFrame(() => {
    app.curvePending = false;
    drawCurve();
  });
}

// The total loss per progress event, on a log scale, with dashed lines where the scale changes.
function drawCurve() {
  const canvas = $('#curve');
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext('2d');
  ctx.scale(ratio, ratio);
  const style = getComputedStyle(canvas);
  const color = (name) => style.getPropertyValue(name).trim();
  ctx.font = `11px ${style.fontFamily}`;
  ctx.fillStyle = color('--muted');

  const points = app.curve.map((p, i) => ({ x: i, y: Math.log10(p.total), scale: p.scale }))
    .filter((p) => Number.isFinite(p.y));
  if (points.length === 0) {
    ctx.textAlign = 'center';
    ctx.fillText('total loss per iteration (log scale)', width / 2, height / 2);
    return;
  }
  const pad = { left: 52, right: 10, top: 10, bottom: 18 };
  let [low, high] = points.reduce(([lo, hi], p) => [Math.min(lo, p.y), Math.max(hi, p.y)],
    [Infinity, -Infinity]);
  if (high - low < 0.1) [low, high] = [low - 0.05, high + 0.05];
  const last = Math.max(1, app.curve.length - 1);
  const px = (x) => pad.left + (x / last) * (width - pad.left - pad.right);
  const py = (y) => pad.top + ((high - y) / (high - low)) * (height - pad.top - pad.bottom);

  const stroke = (xys, color, width, dash = []) => {
    Object.assign(ctx, { strokeStyle: color, lineWidth: width, lineJoin: 'round' });
    ctx.setLineDash(dash);
    ctx.beginPath();
    xys.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.stroke();
  };

  // Frame: the highest and lowest totals, the iterations, and where the scale changes.
  ctx.textAlign = 'right';
  for (const y of [high, low]) {
    stroke([[pad.left, py(y)], [width - pad.right, py(y)]], color('--line'), 1);
    ctx.fillText(formatLoss(10 ** y), pad.left - 6, py(y) + 4);
  }
  ctx.fillText(`${app.curve.length} iterations`, width - pad.right, height - 4);
  points.filter((p, i) => i > 0 && p.scale !== points[i - 1].scale)
    .forEach((p) => stroke([[px(p.x), pad.top], [px(p.x), height - pad.bottom]], color('--line'), 1, [3, 3]));

  // The curve and its last point.
  stroke(points.map((p) => [px(p.x), py(p.y)]), color('--accent'), 2);
  const end = points[points.length - 1];
  ctx.fillStyle = color('--accent');
  ctx.beginPath();
  ctx.arc(px(end.x), py(end.y), 3.5, 0, 2 * Math.PI);
  ctx.fill();
}

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

/* ---------- wiring ---------- */

// A zone that takes dropped files (a click opens its file input, which it wraps).
function dropZone(zone, onFiles) {
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    clearError();
    onFiles([...event.dataTransfer.files]);
  });
}

// Calls `onFiles` with an input's chosen files, then empties it (the same file can come again).
function fileInput(input, onFiles) {
  input.addEventListener('change', () => {
    const files = [...input.files];
    input.value = '';
    if (files.length === 0) return;
    clearError();
    onFiles(files);
  });
}

function init() {
  fileInput($('#photo-input'), ([file]) => setPhoto(file));
  fileInput($('#style-input'), addStyles);
  fileInput($('#recipe-input'), ([file]) => loadRecipe(file));
  dropZone($('#photo-drop'), ([file]) => file && setPhoto(file));
  dropZone($('#style-drop'), addStyles);
  // A file dropped elsewhere must not replace the page (and end its job).
  for (const type of ['dragover', 'drop']) window.addEventListener(type, (event) => event.preventDefault());

  $('#photo-remove').addEventListener('click', () => setPhoto(null));
  $('#preset').addEventListener('change', showPreset);
  $('#start').addEventListener('click', () => submit(null));
  $('#continue').addEventListener('click', () => submit(app.job.id));
  $('#stop').addEventListener('click', stop);
  $('#masks-enabled').addEventListener('change', toggleMasks);
  $('#mask-clear').addEventListener('click', () => {
    mask.labels?.fill(0);
    drawMask();
  });
  listenToMaskCanvas();
  window.addEventListener('resize', drawCurve);
  window.addEventListener('pagehide', () => app.job?.es.close());

  $('#style-default-thumb').src = withToken('api/default/style.jpg');
  renderPhoto();
  stylesChanged();
  toggleMasks();
  drawCurve();
  loadInfo();
}

init();
