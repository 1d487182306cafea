import { expect, oneEvent } from '@open-wc/testing';
import type { RerunVideo } from '../../src/index.js';
import { readFrameCode } from './frame-code.js';

/** Fixture metadata written by test/fixtures/make-fixtures.sh (ffprobe's view of each file). */
export interface FixtureInfo {
  codec: string;
  width: number;
  height: number;
  frameCount: number;
  /** Presentation timestamps in seconds as ffprobe prints them (6 decimals), ascending. */
  timestamps: number[];
  keyframes: number[];
}

export const MEDIA = '/test/fixtures/media/';

export async function fixtureInfo(name: string): Promise<FixtureInfo> {
  const response = await fetch(`${MEDIA}${name}.json`);
  if (!response.ok) throw new Error(`No fixture metadata for ${name}: HTTP ${response.status}`);
  return response.json() as Promise<FixtureInfo>;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whether this browser's WebCodecs decodes `codec` (H.265 does only in WebKit here). */
export async function canDecode(codec: string): Promise<boolean> {
  if (typeof VideoDecoder === 'undefined') return false;
  const result = await VideoDecoder.isConfigSupported({ codec }).catch(() => ({ supported: false }));
  return result.supported === true;
}

/** After a failure the element must load the next `src` normally: a good file, frame 60 at 2 s. */
export async function expectRecovers(el: RerunVideo): Promise<void> {
  el.src = `${MEDIA}h264-nobframes.mp4`;
  el.time = 2;
  await oneEvent(el, 'frame');
  expect(el.state).to.equal('ready');
  expect(el.error).to.equal(null);
  expect(readFrameCode(el.canvas!)).to.equal(60);
  el.remove();
}
