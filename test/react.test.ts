// rerun-video/react in real React 19 (react, react-dom, @lit/react as an app gets them): the
// wrapper sets properties and its event props fire; the plain tag works the React 19 way.
// createElement rather than JSX keeps the test runner's transform plain TypeScript.
import { expect, waitUntil } from '@open-wc/testing';
import { createElement, createRef, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';
import type { FrameEvent, LoadedMetadataEvent, RerunVideoErrorEvent, UnsupportedCodecEvent } from '../src/events.js';
import { RerunVideo, RerunVideoElement } from '../src/react.js';
import { readFrameCode } from './helpers/frame-code.js';
import { MEDIA } from './helpers/media.js';

const GOOD = `${MEDIA}h264-nobframes.mp4`; // 30 fps: t = 1 s is frame 30

describe('rerun-video/react', function () {
  this.timeout(30_000);
  let container: HTMLElement;
  let root: Root;

  function render(node: ReactNode): void {
    flushSync(() => root.render(node));
  }

  beforeEach(() => {
    container = document.createElement('div');
    document.body.append(container);
    root = createRoot(container);
  });

  afterEach(() => {
    root.unmount();
    container.remove();
  });

  it('renders <rerun-video> with properties set, and onFrame gets the frame for time', async () => {
    const frames: FrameEvent[] = [];
    const metadata: LoadedMetadataEvent[] = [];
    const indexed: number[] = [];
    const ref = createRef<RerunVideoElement>();
    render(
      createElement(RerunVideo, {
        ref,
        src: GOOD,
        time: 1,
        style: { width: '320px', height: '240px' },
        onFrame: (e) => frames.push(e),
        onLoadedMetadata: (e) => metadata.push(e),
        onIndexed: (e) => indexed.push(e.detail.frameCount),
      }),
    );
    const el = container.querySelector('rerun-video')!;
    expect(el).to.be.instanceOf(RerunVideoElement);
    expect(ref.current).to.equal(el);
    expect(el.time).to.equal(1); // a number property, not the attribute "1"
    await waitUntil(() => frames.length > 0, 'onFrame', { timeout: 20_000 });
    expect(frames[0].detail.index).to.equal(30);
    expect(frames[0].detail.requestedTime).to.equal(1);
    expect(metadata).to.have.length(1);
    expect(metadata[0].detail.frameCount).to.equal(90);
    expect(indexed).to.deep.equal([90]);
    expect(readFrameCode(el.canvas!)).to.equal(30);

    // A new prop value is a new seek; a new handler replaces the old one.
    const later: FrameEvent[] = [];
    render(createElement(RerunVideo, { ref, src: GOOD, time: 2, onFrame: (e) => later.push(e) }));
    await waitUntil(() => later.length > 0, 'onFrame after time={2}', { timeout: 20_000 });
    expect(later[0].detail.index).to.equal(60);
    expect(frames).to.have.length(1);
  });

  it('onError and onUnsupportedCodec get their events', async () => {
    const errors: RerunVideoErrorEvent[] = [];
    const unsupported: UnsupportedCodecEvent[] = [];
    render(
      createElement('div', null, [
        createElement(RerunVideo, { key: 'a', src: `${GOOD}?status=500`, onError: (e) => errors.push(e) }),
        createElement(RerunVideo, {
          key: 'b',
          src: GOOD,
          codecHint: 'xyz1.0',
          onUnsupportedCodec: (e) => unsupported.push(e),
        }),
      ]),
    );
    await waitUntil(() => errors.length > 0 && unsupported.length > 0, 'onError and onUnsupportedCodec', {
      timeout: 20_000,
    });
    expect(errors[0].detail.code).to.equal('network');
    expect(unsupported[0].detail).to.include({ reason: 'hint', fallback: false });
  });

  it('the media event props fire: play, playing, timeupdate, pause, seeking, seeked, ended', async () => {
    const seen: string[] = [];
    const ref = createRef<RerunVideoElement>();
    const on = (name: string) => (event: Event) => {
      expect(event.type).to.equal(name);
      seen.push(name);
    };
    render(
      createElement(RerunVideo, {
        ref,
        src: GOOD,
        onLoadedData: on('loadeddata'),
        onPlay: on('play'),
        onPlaying: on('playing'),
        onTimeUpdate: on('timeupdate'),
        onPause: on('pause'),
        onSeeking: on('seeking'),
        onSeeked: on('seeked'),
        onEnded: on('ended'),
        onRateChange: on('ratechange'),
      }),
    );
    const el = ref.current!;
    await waitUntil(() => seen.includes('loadeddata'), 'onLoadedData', { timeout: 20_000 });
    el.playbackRate = 2;
    await el.play();
    await waitUntil(() => seen.includes('timeupdate'), 'onTimeUpdate', { timeout: 5_000 });
    el.pause();
    await el.seek(el.duration - 0.2);
    await el.play();
    await waitUntil(() => seen.includes('ended'), 'onEnded', { timeout: 5_000 });
    for (const name of ['ratechange', 'play', 'playing', 'timeupdate', 'pause', 'seeking', 'seeked', 'ended']) {
      expect(seen, name).to.include(name);
    }
  });

  it('unmounting removes the element', async () => {
    render(createElement(RerunVideo, { src: GOOD }));
    expect(container.querySelector('rerun-video')).to.not.equal(null);
    render(null);
    expect(container.querySelector('rerun-video')).to.equal(null);
  });

  it('React 19 sets the plain tag\'s properties and adds `on<event>` listeners', async () => {
    const frames: FrameEvent[] = [];
    render(createElement('rerun-video', { src: GOOD, time: 1, onframe: (e: FrameEvent) => frames.push(e) }));
    const el = container.querySelector('rerun-video')!;
    expect(el.time).to.equal(1);
    await waitUntil(() => frames.length > 0, 'onframe', { timeout: 20_000 });
    expect(frames[0].detail.index).to.equal(30);
  });
});
