/**
 * The JPEG image-sequence manifest (SPEC "JPEG image-sequence fallback"):
 * `{ width, height, frames: [{ timestamp, src }] }`, with `src` relative to the manifest.
 */
import { RerunVideoError } from '../errors.js';

export interface ImageManifest {
  /** Size of the images, from the manifest; 0 when it does not say (then the image's own). */
  width: number;
  height: number;
  /** Presentation timestamps in seconds, ascending (the same `time` rule as the video). */
  timestamps: number[];
  /** Absolute image URLs, in the order of `timestamps`. */
  urls: string[];
}

function invalid(url: string, why: string): RerunVideoError {
  return new RerunVideoError('fallback', `Invalid fallback manifest ${url}: ${why}`);
}

function optionalSize(value: unknown, name: string, url: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(url, `"${name}" must be a positive number, not ${JSON.stringify(value)}.`);
  }
  return Math.round(value);
}

/** Validates a manifest's text; throws a RerunVideoError with code `fallback` saying what is wrong. */
export function parseManifest(text: string, manifestUrl: string): ImageManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(manifestUrl, `not JSON (${error instanceof Error ? error.message : String(error)}).`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalid(manifestUrl, 'expected an object with "frames".');
  }
  const { width, height, frames } = json as Record<string, unknown>;
  if (!Array.isArray(frames)) throw invalid(manifestUrl, '"frames" must be an array.');
  if (frames.length === 0) throw invalid(manifestUrl, '"frames" is empty.');
  const entries = frames.map((frame: unknown, i) => {
    const { timestamp, src } = (frame ?? {}) as Record<string, unknown>;
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
      throw invalid(manifestUrl, `frames[${i}].timestamp must be a number of seconds.`);
    }
    if (typeof src !== 'string' || src === '') throw invalid(manifestUrl, `frames[${i}].src must be a URL string.`);
    let url: string;
    try {
      url = new URL(src, manifestUrl).href;
    } catch {
      throw invalid(manifestUrl, `frames[${i}].src is not a URL: ${src}`);
    }
    return { timestamp, url };
  });
  // Sorted (stable) so that frameForTime's binary search holds even for a hand-written file.
  entries.sort((a, b) => a.timestamp - b.timestamp);
  return {
    width: optionalSize(width, 'width', manifestUrl),
    height: optionalSize(height, 'height', manifestUrl),
    timestamps: entries.map((e) => e.timestamp),
    urls: entries.map((e) => e.url),
  };
}

/** Fetches and validates a manifest; network failures are `fallback` errors too. */
export async function loadManifest(
  url: string,
  init: { signal: AbortSignal; credentials: RequestCredentials },
): Promise<ImageManifest> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (init.signal.aborted) throw error;
    throw new RerunVideoError('fallback', `Could not fetch the fallback manifest ${url}: ${String(error)}`);
  }
  if (!response.ok) {
    throw new RerunVideoError('fallback', `Could not fetch the fallback manifest ${url}: HTTP ${response.status}`);
  }
  // The response's own URL is absolute and the one redirects ended at: srcs are relative to it.
  return parseManifest(await response.text(), response.url || url);
}
