import { expect, fixture, html } from '@open-wc/testing';
import { adoptStyles, css, render } from 'lit';
import {
  controlsStyles,
  handleControlsKey,
  renderControls,
  type ControlsActions,
  type ControlsModel,
} from '../../src/controls.js';

const hostStyles = css`
  :host {
    display: inline-block;
    position: relative;
    width: 480px;
    height: 270px;
    background: #000;
  }
`;

const readyModel: ControlsModel = {
  paused: true,
  currentTime: 1.5,
  duration: 3,
  frameIndex: 45,
  frameCount: 90,
  ready: true,
};

/** Actions that record their calls as [name, ...args]. */
function recorder() {
  const calls: unknown[][] = [];
  const actions: ControlsActions = {
    togglePlay: () => calls.push(['togglePlay']),
    seek: (time) => calls.push(['seek', time]),
    step: (frames) => calls.push(['step', frames]),
    skip: (seconds) => calls.push(['skip', seconds]),
  };
  return { calls, actions };
}

/** A host element with a shadow root carrying controlsStyles, as the element has; show() renders the bar into it. */
async function mount(model: Partial<ControlsModel> = {}) {
  const host = await fixture<HTMLDivElement>(html`<div></div>`);
  const root = host.attachShadow({ mode: 'open' });
  adoptStyles(root, [hostStyles, controlsStyles]);
  const { calls, actions } = recorder();
  const show = (changes: Partial<ControlsModel> = {}) => {
    model = { ...model, ...changes };
    render(renderControls({ ...readyModel, ...model }, actions), root);
  };
  show();
  const part = <T extends Element = HTMLElement>(name: string) => root.querySelector<T>(`[part~='${name}']`)!;
  return { host, root, calls, actions, show, part };
}

function key(init: KeyboardEventInit) {
  return new KeyboardEvent('keydown', { bubbles: true, composed: true, cancelable: true, ...init });
}

describe('renderControls', () => {
  it('renders every part, and the play button says what it will do', async () => {
    const { root, show, part } = await mount();
    for (const name of ['controls', 'play-button', 'step-back-button', 'step-forward-button', 'scrubber', 'time']) {
      expect(part(name), name).to.be.instanceOf(Element);
    }
    expect(part('play-button').getAttribute('aria-label')).to.equal('Play');
    expect(part('step-back-button').getAttribute('aria-label')).to.equal('Previous frame');
    expect(part('step-forward-button').getAttribute('aria-label')).to.equal('Next frame');
    show({ paused: false });
    expect(part('play-button').getAttribute('aria-label')).to.equal('Pause');
    show({ paused: true });
    expect(part('play-button').getAttribute('aria-label')).to.equal('Play');
    // A strict CSP (no 'unsafe-inline' styles) must not matter.
    expect(root.querySelectorAll('[style]')).to.have.length(0);
  });

  it('sits at the bottom of the host, across its width', async () => {
    const { host, part } = await mount();
    const outer = host.getBoundingClientRect();
    const bar = part('controls').getBoundingClientRect();
    expect(bar.bottom).to.be.closeTo(outer.bottom, 0.5);
    expect(bar.width).to.be.closeTo(outer.width, 0.5);
    expect(bar.height).to.be.closeTo(36, 0.5);
  });

  it('the scrubber spans the duration, shows currentTime and says it in words', async () => {
    const { show, part } = await mount();
    const scrubber = part<HTMLInputElement>('scrubber');
    expect(scrubber.type).to.equal('range');
    expect(scrubber.getAttribute('aria-label')).to.equal('Seek');
    expect(scrubber.min).to.equal('0');
    expect(scrubber.max).to.equal('3');
    expect(scrubber.step).to.equal('any');
    expect(scrubber.valueAsNumber).to.equal(1.5);
    expect(scrubber.getAttribute('aria-valuetext')).to.equal('1.50 s of 3.00 s');
    show({ currentTime: 2.25 });
    expect(scrubber.valueAsNumber).to.equal(2.25);
    expect(scrubber.getAttribute('aria-valuetext')).to.equal('2.25 s of 3.00 s');
    // A longer file: max grows before value is set, so the value is not clamped to the old max.
    show({ duration: 10, currentTime: 8 });
    expect(scrubber.max).to.equal('10');
    expect(scrubber.valueAsNumber).to.equal(8);
  });

  it('reads out the time and the frame number', async () => {
    const { show, part } = await mount();
    const time = part('time');
    expect(time.getAttribute('aria-live')).to.equal('off');
    expect(time.textContent).to.equal('0:01.50 / 0:03.00 · frame 45/90');
    show({ currentTime: 59.999, duration: 3725.5, frameIndex: -1 });
    expect(time.textContent).to.equal('1:00.00 / 1:02:05.50 · frame --/90');
    show({ currentTime: 0, duration: NaN, frameCount: 0, ready: false });
    expect(time.textContent).to.equal('0:00.00 / --:--');
  });

  it('buttons call togglePlay and step(-1)/step(+1); scrubbing calls seek with the value', async () => {
    const { calls, part } = await mount();
    part('play-button').click();
    part('step-back-button').click();
    part('step-forward-button').click();
    const scrubber = part<HTMLInputElement>('scrubber');
    scrubber.value = '2.5';
    scrubber.dispatchEvent(new Event('input', { bubbles: true }));
    expect(calls).to.deep.equal([['togglePlay'], ['step', -1], ['step', 1], ['seek', 2.5]]);
  });

  it('is disabled until ready', async () => {
    const { calls, show, part } = await mount({ ready: false, duration: NaN, frameCount: 0, frameIndex: -1 });
    const names = ['play-button', 'step-back-button', 'step-forward-button', 'scrubber'];
    for (const name of names) expect(part<HTMLButtonElement>(name).disabled, name).to.equal(true);
    part('play-button').click();
    expect(calls).to.deep.equal([]);
    expect(part('scrubber').getAttribute('aria-valuetext')).to.equal('1.50 s');
    show({ ready: true, duration: 3, frameCount: 90 });
    for (const name of names) expect(part<HTMLButtonElement>(name).disabled, name).to.equal(false);
  });

  it('is accessible, ready or not, playing or paused', async () => {
    const { host, show } = await mount();
    await expect(host).to.be.accessible();
    show({ paused: false });
    await expect(host).to.be.accessible();
    show({ ready: false, duration: NaN, frameCount: 0, frameIndex: -1 });
    await expect(host).to.be.accessible();
  });
});

describe('handleControlsKey', () => {
  it('Space and K toggle play, arrows step one frame, Shift+arrows skip one second', () => {
    const { calls, actions } = recorder();
    const events = [
      key({ key: ' ' }),
      key({ key: 'k' }),
      key({ key: 'ArrowRight' }),
      key({ key: 'ArrowLeft' }),
      key({ key: 'ArrowLeft', shiftKey: true }),
      key({ key: 'ArrowRight', shiftKey: true }),
    ];
    for (const event of events) {
      expect(handleControlsKey(event, actions), event.key).to.equal(true);
      expect(event.defaultPrevented, event.key).to.equal(true);
    }
    expect(calls).to.deep.equal([['togglePlay'], ['togglePlay'], ['step', 1], ['step', -1], ['skip', -1], ['skip', 1]]);
  });

  it('leaves other keys and ctrl/meta/alt combinations alone', () => {
    const { calls, actions } = recorder();
    const events = [
      key({ key: 'ArrowRight', ctrlKey: true }),
      key({ key: ' ', metaKey: true }),
      key({ key: 'k', altKey: true }),
      key({ key: 'Enter' }),
      key({ key: 'ArrowUp' }),
      key({ key: 'a' }),
    ];
    for (const event of events) {
      expect(handleControlsKey(event, actions), event.key).to.equal(false);
      expect(event.defaultPrevented, event.key).to.equal(false);
    }
    expect(calls).to.deep.equal([]);
  });

  it('a held Space does not flip play on every repeat, but still keeps the page from scrolling', () => {
    const { calls, actions } = recorder();
    const event = key({ key: ' ', repeat: true });
    expect(handleControlsKey(event, actions)).to.equal(true);
    expect(event.defaultPrevented).to.equal(true);
    expect(calls).to.deep.equal([]);
  });

  it('leaves arrows to the scrubber and Space to the buttons', async () => {
    const { host, calls, actions, part } = await mount();
    const handled: boolean[] = [];
    host.addEventListener('keydown', (event) => handled.push(handleControlsKey(event, actions)));
    const scrubber = part('scrubber');
    const button = part('step-forward-button');
    scrubber.dispatchEvent(key({ key: 'ArrowRight' }));
    scrubber.dispatchEvent(key({ key: 'ArrowLeft', shiftKey: true }));
    scrubber.dispatchEvent(key({ key: ' ' }));
    button.dispatchEvent(key({ key: ' ' }));
    button.dispatchEvent(key({ key: 'ArrowRight' }));
    button.dispatchEvent(key({ key: 'k' }));
    expect(handled).to.deep.equal([false, false, true, false, true, true]);
    expect(calls).to.deep.equal([['togglePlay'], ['step', 1], ['togglePlay']]);
  });

  it('leaves typing in a text field alone', async () => {
    const input = await fixture<HTMLInputElement>(html`<input type="text" />`);
    const { calls, actions } = recorder();
    const handled: boolean[] = [];
    input.addEventListener('keydown', (event) => handled.push(handleControlsKey(event, actions)));
    input.dispatchEvent(key({ key: 'k' }));
    input.dispatchEvent(key({ key: 'ArrowLeft' }));
    expect(handled).to.deep.equal([false, false]);
    expect(calls).to.deep.equal([]);
  });
});
