// Stepping: stepFrame(±1), the arrow keys, and a button per entry of frameTimestamps.
const video = document.getElementById('video');
const frames = document.getElementById('frames');
const position = document.getElementById('position');
const readout = document.getElementById('readout');
let buttons = [];

// The element may have read the file before this module ran: read its properties, not the event.
const listFrames = () => {
  readout.textContent = `${video.frameCount} frames; click one, or use ← and →`;
  buttons = video.frameTimestamps.map((timestamp, index) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = String(index);
    button.title = `${timestamp.toFixed(3)} s`;
    button.setAttribute('aria-pressed', 'false');
    button.addEventListener('click', () => {
      video.seek(timestamp).then(
        (shown) => (readout.textContent = `seek(${timestamp.toFixed(3)}) resolved with frame ${shown.index}`),
        () => {}, // superseded by a newer request
      );
    });
    return button;
  });
  frames.replaceChildren(...buttons);
};
video.addEventListener('loadedmetadata', listFrames);
if (video.readyState >= 1) listFrames();
video.addEventListener('frame', ({ detail }) => {
  position.textContent = `frame ${detail.index} / ${video.frameCount - 1} · t = ${detail.timestamp.toFixed(3)} s`;
  for (const [index, button] of buttons.entries()) button.setAttribute('aria-pressed', String(index === detail.index));
});
video.addEventListener('error', ({ detail }) => {
  readout.textContent = `error (${detail.code}): ${detail.message}`;
});

const step = (n) => video.stepFrame(n).catch(() => {});
document.getElementById('back').addEventListener('click', () => step(-1));
document.getElementById('forward').addEventListener('click', () => step(1));
document.addEventListener('keydown', (event) => {
  if (event.target instanceof HTMLInputElement) return;
  if (event.key === 'ArrowLeft') step(-1);
  if (event.key === 'ArrowRight') step(1);
});
