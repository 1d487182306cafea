// The React demo: <RerunVideo> from the built rerun-video/react, driven by React state.
// Plain JavaScript with createElement, so the page runs without a JSX transform.
import { createElement as h, Fragment, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { RerunVideo } from '../../dist/react.js';

function CameraView({ src }) {
  const ref = useRef(null);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(1);
  const [readout, setReadout] = useState('loading…');
  const step = (n) => ref.current?.stepFrame(n).catch(() => {});

  return h(
    Fragment,
    null,
    h(RerunVideo, {
      ref,
      src,
      time,
      onLoadedMetadata: (e) => {
        const { codec, width, height, frameCount } = e.detail;
        setDuration(e.detail.duration);
        setReadout(`${codec}, ${width}×${height}, ${frameCount} frames`);
      },
      onFrame: (e) => {
        const { index, timestamp } = e.detail;
        setReadout(`frame ${index} / ${ref.current.frameCount - 1} · t = ${timestamp.toFixed(3)} s`);
        setTime(ref.current.time); // stepFrame moves the element's time: keep the slider with it
      },
      onUnsupportedCodec: (e) => setReadout(`${e.detail.codec} cannot be decoded here (${e.detail.reason})`),
      onError: (e) => setReadout(`error (${e.detail.code}): ${e.detail.message}`),
    }),
    h(
      'div',
      { className: 'controls' },
      h('button', { type: 'button', 'aria-label': 'Previous frame', onClick: () => step(-1) }, '◀ frame'),
      h('input', {
        id: 'slider',
        type: 'range',
        min: 0,
        max: duration,
        step: 'any',
        value: time,
        'aria-label': 'Time',
        onChange: (e) => setTime(e.target.valueAsNumber),
      }),
      h('button', { type: 'button', 'aria-label': 'Next frame', onClick: () => step(1) }, 'frame ▶'),
    ),
    h('output', { id: 'readout' }, readout),
  );
}

createRoot(document.getElementById('app')).render(h(CameraView, { src: '../media/camera.mp4' }));
