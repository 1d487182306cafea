// The fallback: what the element decided (video or images) and where each frame comes from.
const video = document.getElementById('video');
const slider = document.getElementById('slider');
const status = document.getElementById('status');
const readout = document.getElementById('readout');

video.addEventListener('unsupported-codec', ({ detail }) => {
  status.textContent = `${detail.codec} cannot be decoded here (reason: ${detail.reason}); ${
    detail.fallback ? 'showing the JPEG sequence' : 'no fallback'
  }`;
});
// The element may have decided before this module ran: read its state, not only the events.
const describe = () => {
  if (Number.isFinite(video.duration)) slider.max = String(video.duration);
  if (video.state === 'ready') status.textContent = `decoding ${video.codec} with WebCodecs`;
  if (video.state === 'fallback' && status.textContent === 'loading…') status.textContent = 'showing the JPEG sequence';
};
video.addEventListener('loadedmetadata', describe);
video.addEventListener('loadeddata', describe);
describe();
video.addEventListener('frame', ({ detail }) => {
  readout.textContent = `frame ${detail.index} · t = ${detail.timestamp.toFixed(3)} s · source: ${detail.source}`;
  slider.value = String(video.time);
});
video.addEventListener('error', ({ detail }) => {
  status.textContent = `error (${detail.code}): ${detail.message}`;
});

slider.addEventListener('input', () => {
  video.time = slider.valueAsNumber;
});
const step = (n) => video.stepFrame(n).catch(() => {});
document.getElementById('back').addEventListener('click', () => step(-1));
document.getElementById('forward').addEventListener('click', () => step(1));
