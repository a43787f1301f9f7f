// nst serve: the page's runs: jobs started, followed and stopped, their losses and curve (the scripts share app.js's state; index.html loads them in order).
'use strict';

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
