// The docs site (demo/, what `npm start` serves): every example page is opened as a person would
// open it, in an iframe, and every <rerun-video> on it must show a frame: state `ready` (or
// `fallback`) and a canvas with a picture on it. Each page must also keep its strict
// Content-Security-Policy without a violation (demo/csp.js records them), the fallback page must
// show images where WebCodecs has no H.265 (Chromium, Firefox) and video where it has (WebKit),
// lazy elements must fetch nothing until scrolled to, and the API tables must be the manifest's.
import { expect, waitUntil } from '@open-wc/testing';

import type { FrameDetail, RerunVideo } from '../src/index.js';

type DocsWindow = Window & { cspViolations?: string[] };

/** The pages, as the front page's navigation links them (checked below). */
const PAGES = [
  'scrubbing.html',
  'stepping.html',
  'fallback.html',
  'playback.html',
  'sync.html',
  'lazy.html',
  'api.html',
  'react/',
  'vue/',
];
const BASE = '/demo/';
// Chromium and Firefox here have no H.265 in WebCodecs (NOTES.md); WebKitGTK has.
const H265_DECODES = !/Chrome|Firefox/.test(navigator.userAgent);

let frame: HTMLIFrameElement | undefined;
afterEach(() => {
  frame?.remove();
  frame = undefined;
});

/** Opens a docs page in an iframe; resolves once it has loaded. */
async function open(page: string): Promise<{ win: DocsWindow; doc: Document }> {
  frame = document.createElement('iframe');
  frame.width = '1000';
  frame.height = '760';
  const loaded = new Promise((resolve) => frame!.addEventListener('load', resolve, { once: true }));
  frame.src = BASE + page;
  document.body.append(frame);
  await loaded;
  return { win: frame.contentWindow as DocsWindow, doc: frame.contentDocument! };
}

/** How much the picture on a canvas varies: the standard deviation of its luma (0 = blank). */
function pictureSpread(canvas: HTMLCanvasElement | null | undefined): number {
  if (!canvas || canvas.width === 0 || canvas.height === 0) return 0;
  const copy = document.createElement('canvas');
  copy.width = 64;
  copy.height = 36;
  const ctx = copy.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(canvas, 0, 0, copy.width, copy.height);
  const { data } = ctx.getImageData(0, 0, copy.width, copy.height);
  let sum = 0;
  let squares = 0;
  const n = data.length / 4;
  for (let i = 0; i < data.length; i += 4) {
    const y = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
    sum += y;
    squares += y * y;
  }
  return Math.sqrt(Math.max(0, squares / n - (sum / n) ** 2));
}

/** Waits until the element shows a frame: ready (or fallback) and a picture on its canvas. */
async function showsFrame(el: RerunVideo, what: string, states = ['ready', 'fallback']) {
  if (el.loading === 'lazy') el.scrollIntoView({ block: 'center' });
  await waitUntil(
    () => states.includes(el.state) && el.readyState >= 2 && pictureSpread(el.canvas) > 8,
    `${what} shows no frame (state ${el.state}, error ${el.error?.message ?? 'none'})`,
    { timeout: 30_000, interval: 100 },
  );
}

/** Every <rerun-video> on the page shows a frame (lazy ones once scrolled to). */
async function everyElementShowsAFrame(page: string, doc: Document, states?: string[]) {
  const els = [...doc.querySelectorAll('rerun-video')] as RerunVideo[];
  expect(els.length, `${page}: <rerun-video> elements`).to.be.greaterThan(0);
  for (const [i, el] of els.entries()) await showsFrame(el, `${page}: <rerun-video> #${i} (${el.src})`, states);
  return els;
}

function expectNoViolations(page: string, win: DocsWindow) {
  expect(win.cspViolations, `${page}: demo/csp.js did not run`).to.be.an('array');
  expect(win.cspViolations, `${page}: Content-Security-Policy violations`).to.deep.equal([]);
}

describe('the docs site (demo/)', function () {
  this.timeout(90_000);

  it('the front page links every example page, and its camera shows a frame', async () => {
    const { win, doc } = await open('');
    const links = [...doc.querySelectorAll('header nav a')].map((a) => a.getAttribute('href'));
    expect(links).to.deep.equal(PAGES);
    const policy = doc.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '';
    expect(policy).to.include("default-src 'none'").and.include("script-src 'self'").and.not.include('unsafe');
    await everyElementShowsAFrame('index', doc, ['ready']);
    expectNoViolations('index', win);
  });

  it('scrubbing: the slider sets time, and the frame for it is painted', async () => {
    const { win, doc } = await open('scrubbing.html');
    const [video] = await everyElementShowsAFrame('scrubbing', doc, ['ready']);
    const slider = doc.getElementById('slider') as HTMLInputElement;
    expect(Number(slider.max), 'the slider spans the video').to.be.closeTo(video.duration, 0.05);
    const target = video.frameTimestamps[100] + 0.001;
    const painted = new Promise<FrameDetail>((resolve) =>
      video.addEventListener('frame', (e) => resolve(e.detail), { once: true }),
    );
    slider.value = String(target);
    slider.dispatchEvent(new Event('input'));
    expect((await painted).index).to.equal(100);
    expect(doc.getElementById('readout')!.textContent).to.include('frame 100');
    expectNoViolations('scrubbing', win);
  });

  it('stepping: a button per frame, and the step button moves one frame', async () => {
    const { win, doc } = await open('stepping.html');
    const [video] = await everyElementShowsAFrame('stepping', doc, ['ready']);
    await waitUntil(() => doc.querySelectorAll('#frames button').length === video.frameCount, 'a button per frame');
    (doc.querySelectorAll('#frames button')[40] as HTMLButtonElement).click();
    await waitUntil(() => doc.getElementById('readout')!.textContent!.includes('frame 40'), 'seek() to frame 40');
    (doc.getElementById('forward') as HTMLButtonElement).click();
    await waitUntil(() => doc.getElementById('position')!.textContent!.startsWith('frame 41 '), 'one step forward');
    expectNoViolations('stepping', win);
  });

  it(`fallback: the H.265 camera shows ${H265_DECODES ? 'video (WebCodecs decodes H.265 here)' : 'its JPEG images'}`, async () => {
    const { win, doc } = await open('fallback.html');
    const [video] = await everyElementShowsAFrame('fallback', doc, [H265_DECODES ? 'ready' : 'fallback']);
    const shown = await video.seek(1.05);
    expect(shown.source).to.equal(H265_DECODES ? 'video' : 'images');
    expect(shown.index).to.equal(10); // 10 fps: the frame at 1.0 s
    await waitUntil(() => doc.getElementById('readout')!.textContent!.includes(`source: ${shown.source}`), 'the readout');
    expectNoViolations('fallback', win);
  });

  it('playback: controls, and play() moves the time', async () => {
    const { win, doc } = await open('playback.html');
    const [video] = await everyElementShowsAFrame('playback', doc, ['ready']);
    expect(video.controls).to.equal(true);
    expect(video.shadowRoot!.querySelector('[part="controls"]'), 'the controls bar').to.not.equal(null);
    (doc.getElementById('play') as HTMLButtonElement).click();
    await waitUntil(() => !video.paused && video.currentTime > 0.3, 'playing', { timeout: 15_000 });
    video.pause();
    expectNoViolations('playback', win);
  });

  it('sync: three cameras on one clock show the same time', async () => {
    const { win, doc } = await open('sync.html');
    const cams = await everyElementShowsAFrame('sync', doc, ['ready']);
    expect(cams.map((c) => c.sync)).to.deep.equal(['rig', 'rig', 'rig']);
    await cams[0].seek(2.5);
    await waitUntil(() => cams.every((c) => Math.abs(c.currentTime - 2.5) < 1e-6), 'every camera at 2.5 s');
    (doc.getElementById('forward') as HTMLButtonElement).click();
    await waitUntil(
      () => cams.every((c) => c.currentTime > 2.5 && Math.abs(c.currentTime - cams[0].currentTime) < 1e-6),
      'one step forward, for all',
    );
    expectNoViolations('sync', win);
  });

  it('lazy loading: nothing is fetched until an element is scrolled to', async () => {
    const { win, doc } = await open('lazy.html');
    const els = [...doc.querySelectorAll('rerun-video')] as RerunVideo[];
    expect(els.map((el) => el.loading)).to.deep.equal(['lazy', 'lazy', 'lazy']);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(
      els.map((el) => el.state),
      'far below the fold, nothing loads',
    ).to.deep.equal(['empty', 'empty', 'empty']);
    expect(win.performance.getEntriesByType('resource').filter((r) => r.name.includes('/media/'))).to.deep.equal([]);
    await everyElementShowsAFrame('lazy', doc, ['ready']);
    expectNoViolations('lazy', win);
  });

  it('API: the tables are custom-elements.json, built when the page loads', async () => {
    const manifest = await (await fetch('/custom-elements.json')).json();
    const element = manifest.modules
      .flatMap((m: { declarations?: { tagName?: string }[] }) => m.declarations ?? [])
      .find((d: { tagName?: string }) => d.tagName === 'rerun-video');
    const { win, doc } = await open('api.html');
    await waitUntil(() => (doc.getElementById('api') as HTMLElement).dataset.ready === 'true', 'the tables', {
      timeout: 15_000,
    });
    const firstColumn = (id: string) =>
      [...doc.querySelectorAll(`#${id} tbody tr`)].map((tr) => tr.querySelector('td')!.textContent);
    expect(firstColumn('attributes')).to.deep.equal(element.attributes.map((a: { name: string }) => a.name));
    expect(firstColumn('events')).to.deep.equal(element.events.map((e: { name: string }) => e.name));
    expect(firstColumn('css-parts')).to.deep.equal(element.cssParts.map((p: { name: string }) => `::part(${p.name})`));
    expect(firstColumn('css-properties')).to.deep.equal(element.cssProperties.map((p: { name: string }) => p.name));
    expect(firstColumn('methods').map((m) => m!.split('(')[0])).to.include.members(['seek', 'stepFrame', 'play', 'pause']);
    expect(firstColumn('properties')).to.include.members(['srcObject', 'duration', 'frameTimestamps', 'state']);
    expect(doc.querySelector('#attributes tbody tr td:last-child')!.textContent, "src's meaning").to.match(/\w{3,}/);
    expectNoViolations('api', win);
  });

  for (const app of ['react/', 'vue/']) {
    it(`${app}: the element in the app shows a frame`, async () => {
      const { win, doc } = await open(app);
      await waitUntil(() => doc.querySelector('rerun-video'), 'the app rendered the element', { timeout: 20_000 });
      await everyElementShowsAFrame(app, doc, ['ready']);
      // Vue's in-browser template compiler needs eval, so that page has no policy (see its comment)
      if (app === 'react/') expectNoViolations(app, win);
    });
  }
});
