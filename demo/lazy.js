// Lazy loading: a line per element saying what it has fetched and shown so far.
for (const id of ['cam1', 'cam2', 'cam3']) {
  const video = document.getElementById(id);
  const log = document.getElementById(`log-${id}`);
  const started = performance.now();
  const say = (what) => {
    log.textContent = `${id}: ${what} (${((performance.now() - started) / 1000).toFixed(1)} s after the page loaded)`;
  };
  log.textContent = `${id}: nothing fetched yet`;
  video.addEventListener('loadstart', () => say('near the viewport, fetching'));
  video.addEventListener('loadedmetadata', () => say('metadata read'));
  video.addEventListener('frame', ({ detail }) => say(`showing frame ${detail.index}`));
  video.addEventListener('error', ({ detail }) => say(`error (${detail.code}): ${detail.message}`));
}
