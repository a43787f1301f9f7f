// nst serve: the page's start: drop zones, buttons and the first requests, wired once the page is read (the scripts share app.js's state; index.html loads them in order).
'use strict';

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
