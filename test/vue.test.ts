// <rerun-video> in a real Vue 3 app: the README's template (compiled in the browser by Vue's
// full build) binds `time` as a number property and gets the element's events, and a render
// function does the same.
import { expect, waitUntil } from '@open-wc/testing';
import { createApp, h, nextTick, ref, type App } from 'vue/dist/vue.esm-browser.js';
import '../src/vue.js';
import type { RerunVideo } from '../src/index.js';
import type { FrameEvent, LoadedMetadataEvent, RerunVideoErrorEvent, UnsupportedCodecEvent } from '../src/events.js';
import { readFrameCode } from './helpers/frame-code.js';
import { MEDIA } from './helpers/media.js';

const GOOD = `${MEDIA}h264-nobframes.mp4`; // 30 fps: t = 1 s is frame 30

describe('<rerun-video> in Vue', function () {
  this.timeout(30_000);
  let container: HTMLElement;
  let app: App | undefined;
  let warnings: string[];

  function mount(component: Parameters<typeof createApp>[0]): void {
    app = createApp(component);
    app.config.compilerOptions.isCustomElement = (tag) => tag === 'rerun-video';
    app.config.warnHandler = (message) => warnings.push(message);
    app.mount(container);
  }

  beforeEach(() => {
    container = document.createElement('div');
    document.body.append(container);
    warnings = [];
  });

  afterEach(() => {
    app?.unmount();
    app = undefined;
    container.remove();
  });

  it('a template binds :time as a number and @frame gets the frame for it', async () => {
    const frames: FrameEvent[] = [];
    const metadata: LoadedMetadataEvent[] = [];
    const time = ref(1);
    mount({
      setup: () => ({ src: GOOD, time, frames, metadata }),
      template: `<rerun-video :src="src" :time="time" fit="cover" codec-hint="h264"
                   @loadedmetadata="(e) => metadata.push(e)" @frame="(e) => frames.push(e)" />`,
    });
    const el = container.querySelector('rerun-video')!;
    expect(el.time).to.equal(1);
    expect(el.codecHint).to.equal('h264');
    expect(el.fit).to.equal('cover');
    await waitUntil(() => frames.length > 0, '@frame', { timeout: 20_000 });
    expect(frames[0].detail.index).to.equal(30);
    expect(metadata).to.have.length(1);
    expect(metadata[0].detail.frameCount).to.equal(90);
    expect(readFrameCode(el.canvas!)).to.equal(30);

    time.value = 2;
    await waitUntil(() => frames.length > 1, '@frame after time = 2', { timeout: 20_000 });
    expect(frames[1].detail.index).to.equal(60);
    expect(warnings, 'Vue warnings').to.deep.equal([]);
  });

  it('@error and @unsupported-codec get their events', async () => {
    const errors: RerunVideoErrorEvent[] = [];
    const unsupported: UnsupportedCodecEvent[] = [];
    mount({
      setup: () => ({ broken: `${GOOD}?status=500`, src: GOOD, errors, unsupported }),
      template: `<rerun-video :src="broken" @error="(e) => errors.push(e)" />
                 <rerun-video :src="src" codec-hint="xyz1.0" @unsupported-codec="(e) => unsupported.push(e)" />`,
    });
    await waitUntil(() => errors.length > 0 && unsupported.length > 0, '@error and @unsupported-codec', {
      timeout: 20_000,
    });
    expect(errors[0].detail.code).to.equal('network');
    expect(unsupported[0].detail).to.include({ reason: 'hint', fallback: false });
  });

  it('a render function sets properties and adds listeners', async () => {
    const frames: FrameEvent[] = [];
    const show = ref(true);
    mount({
      setup: () => () => (show.value ? h('rerun-video', { src: GOOD, time: 1, onFrame: (e: FrameEvent) => frames.push(e) }) : null),
    });
    const el = container.querySelector<RerunVideo>('rerun-video')!;
    expect(el.time).to.equal(1);
    await waitUntil(() => frames.length > 0, 'onFrame', { timeout: 20_000 });
    expect(frames[0].detail.index).to.equal(30);
    show.value = false;
    await nextTick();
    expect(container.querySelector('rerun-video')).to.equal(null);
  });
});
