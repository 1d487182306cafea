// Type-checked by scripts/check-types.mjs (tsc, React 19 types), which also checks that the
// README's React example is this file's first block, word for word. No errors allowed.
import { useRef, useState } from 'react';
import { RerunVideo, type RerunVideoElement } from 'rerun-video/react'; // defines <rerun-video>

export function CameraView({ src }: { src: string }) {
  const [time, setTime] = useState(0);
  const [frame, setFrame] = useState(-1);
  const ref = useRef<RerunVideoElement>(null);
  return (
    <div>
      <RerunVideo
        ref={ref}
        src={src}
        time={time}
        codecHint="h264"
        fallback="camera-frames/manifest.json"
        style={{ width: '100%', aspectRatio: '16 / 9' }}
        onLoadedMetadata={(e) => console.log(e.detail.frameCount, 'frames')}
        onFrame={(e) => setFrame(e.detail.index)}
        onUnsupportedCodec={(e) => console.warn(e.detail.codec, 'cannot be decoded:', e.detail.reason)}
        onError={(e) => console.error(e.detail.code, e.detail.message)}
      />
      <input type="range" min={0} max={10} step="any" value={time}
             onChange={(e) => setTime(e.target.valueAsNumber)} />
      <button onClick={() => ref.current?.stepFrame(1)}>next frame</button> frame {frame}
    </div>
  );
}

// React 19 also takes the plain tag: props that are properties are set as properties, and
// `on` + the exact event name adds a listener.
export function PlainTag({ src, time }: { src: string; time: number }) {
  return <rerun-video src={src} time={time} codec-hint="h264" onframe={(e) => console.log(e.detail.index)} />;
}
// ---- end of the README example ----

import { createElement, type ComponentProps } from 'react';
import type { FrameDetail, RerunVideoProps } from 'rerun-video/react';
import { RerunVideo as RerunVideoClass } from 'rerun-video';

// The props are the element's settable properties, with the element's types.
export const all = (
  <RerunVideo
    src="a.mp4"
    srcObject={new Blob()}
    time={1.5}
    cacheSize={32}
    hardwareAcceleration="prefer-software"
    crossOrigin="use-credentials"
    fit="cover"
    codecHint="av1"
    fallback="frames/manifest.json"
    id="camera"
    className="video"
    hidden
    aria-label="Camera 1"
    onClick={(e) => e.currentTarget.seek(1)}
  />
);
export const nulls = <RerunVideo src={null} codecHint={null} fallback={null} crossOrigin={null} srcObject={null} />;

// Event props get the element's own event classes.
export const handlers: RerunVideoProps = {
  onLoadedMetadata: (e) => {
    const { duration, width, height, codec, frameCount }: { duration: number; width: number; height: number; codec: string; frameCount: number } = e.detail;
    console.log(duration, width, height, codec, frameCount);
  },
  onFrame: (e) => {
    const detail: FrameDetail = e.detail;
    const source: 'video' | 'images' = detail.source;
    console.log(source, detail.exact, detail.requestedTime);
  },
  onUnsupportedCodec: (e) => {
    const reason: 'no-webcodecs' | 'hint' | 'config' | 'decoder' = e.detail.reason;
    console.log(reason, e.detail.fallback);
  },
  onError: (e) => {
    const code: 'network' | 'format' | 'decode' | 'fallback' = e.detail.code;
    console.log(code);
  },
};

// The ref is the element class that `rerun-video` exports.
export function Refs() {
  const ref = useRef<RerunVideoClass>(null);
  const plain = useRef<HTMLElementTagNameMap['rerun-video']>(null);
  return (
    <>
      <RerunVideo ref={ref} />
      <rerun-video ref={plain} fit="fill" cache-size={16} hardware-acceleration="prefer-hardware" crossorigin="anonymous"
                   onloadedmetadata={(e) => e.detail.frameCount} onerror={(e) => e.detail.message}
                   onunsupported-codec={(e) => e.detail.codec} />
    </>
  );
}

export const created = createElement(RerunVideo, { src: 'a.mp4', time: 1, onFrame: (e) => e.detail.index });
export const time: ComponentProps<typeof RerunVideo>['time'] = 1;
