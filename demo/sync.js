// Sync: three elements with sync="rig" share one clock; this page only reads them out.
const cams = ['cam1', 'cam2', 'cam3'].map((id) => document.getElementById(id));
const [lead] = cams;
const readout = document.getElementById('readout');
const play = document.getElementById('play');
const shown = new Map();

const show = () => {
  const frames = cams.map((cam, i) => `CAM ${i + 1} ${shown.has(cam) ? `frame ${shown.get(cam)}` : '…'}`);
  readout.textContent = `${frames.join(' · ')} · t = ${lead.currentTime.toFixed(3)} s`;
  play.textContent = lead.paused ? 'Play all' : 'Pause all';
};
for (const cam of cams) {
  cam.addEventListener('frame', ({ detail }) => {
    shown.set(cam, detail.index);
    show();
  });
  cam.addEventListener('error', ({ detail }) => {
    readout.textContent = `${cam.id}: error (${detail.code}): ${detail.message}`;
  });
}
lead.addEventListener('play', show);
lead.addEventListener('pause', show);

// Any member drives the group: play, pause and step the first one.
play.addEventListener('click', () => {
  if (lead.paused) lead.play().catch(() => {});
  else lead.pause();
});
document.getElementById('back').addEventListener('click', () => lead.stepFrame(-1).catch(() => {}));
document.getElementById('forward').addEventListener('click', () => lead.stepFrame(1).catch(() => {}));
