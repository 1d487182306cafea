const video = document.getElementById('video');
const slider = document.getElementById('slider');
const readout = document.getElementById('readout');

video.addEventListener('loadedmetadata', (event) => {
  slider.max = String(event.detail.duration);
  readout.textContent = `${event.detail.codec}, ${event.detail.width}×${event.detail.height}, ${event.detail.frameCount} frames`;
});
video.addEventListener('frame', (event) => {
  const { index, timestamp } = event.detail;
  readout.textContent = `frame ${index} / ${video.frameCount - 1} · t = ${timestamp.toFixed(3)} s`;
  slider.value = String(video.time);
});
video.addEventListener('error', (event) => {
  readout.textContent = `error (${event.detail.code}): ${event.detail.message}`;
});

slider.addEventListener('input', () => {
  video.time = Number(slider.value);
});
const step = (n) => video.stepFrame(n).catch(() => {});
document.getElementById('back').addEventListener('click', () => step(-1));
document.getElementById('forward').addEventListener('click', () => step(1));
document.addEventListener('keydown', (event) => {
  if (event.key === 'ArrowLeft') step(-1);
  if (event.key === 'ArrowRight') step(1);
});
