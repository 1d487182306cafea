// Playback: the element's own controls, plus a rate picker and the playback-quality counters.
const video = document.getElementById('video');
const rate = document.getElementById('rate');
const play = document.getElementById('play');
const readout = document.getElementById('readout');

const show = () => {
  const quality = video.getVideoPlaybackQuality();
  readout.textContent = `${video.paused ? 'paused' : 'playing'} at ${video.playbackRate}× · t = ${video.currentTime.toFixed(3)} s · painted ${quality.paintedVideoFrames}, dropped ${quality.droppedVideoFrames}`;
  play.textContent = video.paused ? 'Play' : 'Pause';
};
for (const type of ['play', 'pause', 'ratechange', 'seeked', 'timeupdate', 'loadeddata']) video.addEventListener(type, show);
video.addEventListener('error', ({ detail }) => {
  readout.textContent = `error (${detail.code}): ${detail.message}`;
});

rate.addEventListener('change', () => {
  video.playbackRate = Number(rate.value);
});
play.addEventListener('click', () => {
  if (video.paused) video.play().catch(() => {});
  else video.pause();
});
