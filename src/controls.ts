/**
 * The built-in `controls` bar: play/pause, one frame back and forward, a scrubber and a
 * time + frame readout, overlaid at the bottom of the element. Plain functions of a model and
 * a set of actions, so the element owns all state and this module knows nothing of decoding.
 *
 * No inline `style=` attributes and no external assets: pages with a strict CSP work, and the
 * styles travel in `controlsStyles` (adopted style sheets).
 *
 * For the element's class JSDoc:
 *
 * @csspart controls - The controls bar (with the `controls` attribute).
 * @csspart play-button - The play/pause button.
 * @csspart step-back-button - The button that shows the previous frame.
 * @csspart step-forward-button - The button that shows the next frame.
 * @csspart scrubber - The seek slider (`<input type="range">`).
 * @csspart time - The time and frame-number readout.
 *
 * @cssprop [--rerun-video-controls-background=rgba(0, 0, 0, 0.7)] - Background of the controls bar.
 * @cssprop [--rerun-video-controls-color=#fff] - Colour of the icons and the readout.
 * @cssprop [--rerun-video-controls-accent=#4aa3ff] - Scrubber and focus-outline colour.
 * @cssprop [--rerun-video-controls-height=36px] - Height of the controls bar.
 */
import { css, html, type CSSResult, type TemplateResult } from 'lit';

export interface ControlsModel {
  paused: boolean;
  /** seconds */
  currentTime: number;
  /** seconds, NaN until known */
  duration: number;
  /** index of the painted frame, -1 if none */
  frameIndex: number;
  frameCount: number;
  /** false until metadata is known: the buttons/scrubber are disabled */
  ready: boolean;
}

export interface ControlsActions {
  togglePlay(): void;
  /** seek to a time in seconds (scrubber input) */
  seek(time: number): void;
  /** step n whole frames (pauses first; the element does that) */
  step(frames: number): void;
  /** move by seconds (Shift+arrows) */
  skip(seconds: number): void;
}

export const controlsStyles: CSSResult = css`
  [part='controls'] {
    --_height: var(--rerun-video-controls-height, 36px);
    --_accent: var(--rerun-video-controls-accent, #4aa3ff);
    position: absolute;
    left: 0;
    right: 0;
    bottom: 0;
    display: flex;
    align-items: center;
    gap: 2px;
    height: var(--_height);
    padding: 0 6px;
    box-sizing: border-box;
    background: var(--rerun-video-controls-background, rgba(0, 0, 0, 0.7));
    color: var(--rerun-video-controls-color, #fff);
    font: 12px/1 system-ui, sans-serif;
  }
  [part='controls'] button {
    flex: none;
    display: grid;
    place-items: center;
    width: calc(var(--_height) - 8px);
    height: calc(var(--_height) - 8px);
    padding: 0;
    border: 0;
    border-radius: 4px;
    background: none;
    color: inherit;
    cursor: pointer;
  }
  [part='controls'] button:hover:not(:disabled) {
    background: rgba(255, 255, 255, 0.15);
  }
  [part='controls'] :disabled {
    opacity: 0.5;
    cursor: default;
  }
  [part='controls'] :focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 0;
  }
  [part='controls'] svg {
    width: 20px;
    height: 20px;
    fill: currentColor;
  }
  [part='scrubber'] {
    flex: 1;
    min-width: 40px;
    margin: 0 6px;
    accent-color: var(--_accent);
    cursor: pointer;
  }
  [part='time'] {
    flex: 0 1 auto;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    font-variant-numeric: tabular-nums;
  }
`;

const PLAY = 'M8 5v14l11-7z';
const PAUSE = 'M6 5h4v14H6zm8 0h4v14h-4z';
const STEP_BACK = 'M6 6h2v12H6zm3.5 6 8.5 6V6z';
const STEP_FORWARD = 'M16 6h2v12h-2zM6 18l8.5-6L6 6z';

const icon = (d: string) =>
  html`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d=${d}></path></svg>`;

const pad = (n: number) => String(n).padStart(2, '0');

/** m:ss.cc, h:mm:ss.cc from an hour on; `--:--` for NaN (duration not known yet). */
function formatTime(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  // Round once, to centiseconds, so 59.999 reads 1:00.00 and not 0:60.00.
  const cs = Math.round(Math.max(0, seconds) * 100);
  const h = Math.floor(cs / 360_000);
  const m = Math.floor(cs / 6000) % 60;
  const rest = `${pad(Math.floor(cs / 100) % 60)}.${pad(cs % 100)}`;
  return h > 0 ? `${h}:${pad(m)}:${rest}` : `${m}:${rest}`;
}

const inWords = (seconds: number) => `${seconds.toFixed(2)} s`;

export function renderControls(model: ControlsModel, actions: ControlsActions): TemplateResult {
  const { paused, currentTime, duration, frameIndex, frameCount, ready } = model;
  const known = Number.isFinite(duration);
  const time = Number.isFinite(currentTime) ? currentTime : 0;
  const frame = frameCount > 0 ? ` · frame ${frameIndex >= 0 ? frameIndex : '--'}/${frameCount}` : '';
  // min, max and step are bound before .value so the value is not clamped to an old range.
  return html`
    <div part="controls" role="group" aria-label="Video controls">
      <button
        part="play-button"
        aria-label=${paused ? 'Play' : 'Pause'}
        ?disabled=${!ready}
        @click=${() => actions.togglePlay()}
      >
        ${icon(paused ? PLAY : PAUSE)}
      </button>
      <button part="step-back-button" aria-label="Previous frame" ?disabled=${!ready} @click=${() => actions.step(-1)}>
        ${icon(STEP_BACK)}
      </button>
      <button part="step-forward-button" aria-label="Next frame" ?disabled=${!ready} @click=${() => actions.step(1)}>
        ${icon(STEP_FORWARD)}
      </button>
      <input
        part="scrubber"
        type="range"
        aria-label="Seek"
        min="0"
        max=${known ? duration : 0}
        step="any"
        .value=${String(time)}
        aria-valuetext=${known ? `${inWords(time)} of ${inWords(duration)}` : inWords(time)}
        ?disabled=${!ready}
        @input=${(event: Event) => actions.seek(Number((event.target as HTMLInputElement).value))}
      />
      <span part="time" aria-live="off">${formatTime(currentTime)} / ${formatTime(duration)}${frame}</span>
    </div>
  `;
}

/** Where typing goes: keys pressed there are not ours. */
function isTextEntry(target: Element): boolean {
  if (target instanceof HTMLInputElement) return !['range', 'button', 'checkbox', 'radio'].includes(target.type);
  return target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || (target as HTMLElement).isContentEditable;
}

/**
 * Keyboard handling for the element when it has `controls`: Space and K toggle play,
 * ArrowLeft/ArrowRight step one frame, Shift+ArrowLeft/Right skip one second. Returns true
 * (and calls preventDefault) when it handled the key. Ignores events with ctrl/meta/alt.
 *
 * Keys a focused control handles itself are left to it: arrows on the scrubber move the
 * scrubber, Space on a button clicks it.
 */
export function handleControlsKey(event: KeyboardEvent, actions: ControlsActions): boolean {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return false;
  const origin = event.composedPath()[0] ?? event.target;
  const from = origin instanceof Element ? origin : null;
  if (from && isTextEntry(from)) return false;
  const key = event.key;
  if (key === ' ' || key === 'k' || key === 'K') {
    if (key === ' ' && from instanceof HTMLButtonElement) return false;
    // Holding the key down would flip between playing and paused on every repeat.
    if (!event.repeat) actions.togglePlay();
  } else if (key === 'ArrowLeft' || key === 'ArrowRight') {
    if (from instanceof HTMLInputElement && from.type === 'range') return false;
    const direction = key === 'ArrowLeft' ? -1 : 1;
    if (event.shiftKey) actions.skip(direction);
    else actions.step(direction);
  } else {
    return false;
  }
  event.preventDefault();
  return true;
}
