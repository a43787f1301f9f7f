// nst serve: the page. It uploads the photo, the paintings and the masks as they are
// chosen, starts jobs with the settings, and follows their events (preview, losses, curve).
// This script holds the state, the requests, the photo, paintings, settings and recipe;
// run.js, masks.js and start.js follow it (index.html loads them in order).
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
