// The docs' front page: the hero camera's readout.
const video = document.getElementById('hero');
const readout = document.getElementById('readout');

// The element may have read the file before this module ran: read its properties, not the event.
const describe = () => {
  readout.textContent = `${video.codec}, ${video.videoWidth}×${video.videoHeight}, ${video.frameCount} frames, ${video.duration.toFixed(2)} s`;
};
video.addEventListener('loadedmetadata', describe);
if (video.readyState >= 1) describe();
video.addEventListener('error', ({ detail }) => {
  readout.textContent = `error (${detail.code}): ${detail.message}`;
});
