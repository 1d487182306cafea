// Scrubbing: the slider sets `time` on every input event; the element paints only the newest.
const video = document.getElementById('video');
const slider = document.getElementById('slider');
const readout = document.getElementById('readout');
const counts = document.getElementById('counts');
let requests = 0;
let painted = 0;

const showCounts = () => {
  counts.textContent = `time set ${requests}×, frames painted ${painted}×`;
};
// The element may have read the file before this module ran: read its properties, not the event.
const describe = () => {
  slider.max = String(video.duration);
  readout.textContent = `${video.codec}, ${video.videoWidth}×${video.videoHeight}, ${video.frameCount} frames`;
};
video.addEventListener('loadedmetadata', describe);
if (video.readyState >= 1) describe();
video.addEventListener('frame', ({ detail }) => {
  painted++;
  readout.textContent = `frame ${detail.index} · t = ${detail.timestamp.toFixed(3)} s (asked for ${detail.requestedTime.toFixed(3)} s)`;
  showCounts();
});
video.addEventListener('error', ({ detail }) => {
  readout.textContent = `error (${detail.code}): ${detail.message}`;
});

const scrubTo = (time) => {
  requests++;
  video.time = time;
  slider.value = String(time);
  showCounts();
};
slider.addEventListener('input', () => scrubTo(slider.valueAsNumber));

// Sweep: a new time in every animation frame, there and back, as a hand on the slider would.
document.getElementById('sweep').addEventListener('click', () => {
  const duration = Number.isFinite(video.duration) ? video.duration : Number(slider.max);
  const start = performance.now();
  const tick = (now) => {
    const phase = (now - start) / 4000; // 4 s there and back
    if (phase >= 1) return scrubTo(0);
    scrubTo(duration * (1 - Math.abs(1 - 2 * phase)));
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
});
