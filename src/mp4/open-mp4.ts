import { createFile, Log, MP4BoxBuffer, type ISOFile, type Movie } from 'mp4box';
import { RerunVideoError, isAbortError } from '../errors.js';
import type { SampleBytes } from '../decode/frame-decoder.js';
import { repairAnnexB } from './annexb.js';
import { StreamedBytes } from './byte-source.js';
import { buildVideoTrack, type VideoTrack } from './video-track.js';

// mp4box logs parse problems to the console itself; failures reach us through onError and
// the returned state, so keep the page's console clean.
Log.setLogLevel(() => {});

/** Top-level box types a real MP4/QuickTime file can start with. */
const FIRST_BOXES = new Set(['ftyp', 'styp', 'moov', 'mdat', 'free', 'skip', 'wide', 'sidx', 'moof', 'pdin', 'uuid', 'meta', 'junk', 'pnot']);

export interface OpenOptions {
  signal: AbortSignal;
  credentials: RequestCredentials;
}

export interface OpenedVideo {
  track: VideoTrack;
  bytes: SampleBytes;
}

/** Checks that a buffer starts like an ISO-BMFF file, so junk fails before it all downloads. */
export function looksLikeMp4(head: Uint8Array): boolean {
  if (head.byteLength < 8) return false;
  const type = String.fromCharCode(head[4], head[5], head[6], head[7]);
  return FIRST_BOXES.has(type);
}

/**
 * Streams `url`, parses it with mp4box and resolves with the first video track's sample
 * table as soon as it is known — for a file with its `moov` first, long before the download
 * ends. The download goes on into `bytes`, which the decoder reads samples from (converted,
 * when a muxer wrote Annex-B start codes instead of NAL lengths).
 */
export async function openMp4(url: string, options: OpenOptions): Promise<OpenedVideo> {
  const { track, bytes } = await streamMp4(url, options);
  return repairAnnexB(track, bytes);
}

async function streamMp4(url: string, { signal, credentials }: OpenOptions): Promise<{ track: VideoTrack; bytes: StreamedBytes }> {
  let response: Response;
  try {
    response = await fetch(url, { signal, credentials });
  } catch (error) {
    if (isAbortError(error)) throw error;
    throw new RerunVideoError('network', `Could not fetch ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) {
    throw new RerunVideoError('network', `Could not fetch ${url}: HTTP ${response.status} ${response.statusText}`.trim());
  }
  const length = Number(response.headers.get('content-length')) || null;
  const bytes = new StreamedBytes(length);
  const file = createFile() as ISOFile;
  let parseError: string | null = null;
  file.onError = (module, message) => (parseError ??= `${module}: ${message}`);

  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (result: { track: VideoTrack; bytes: StreamedBytes } | Error) => {
      if (settled) return;
      settled = true;
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const finishTrack = (info: Movie) => {
      try {
        settle({ track: buildVideoTrack(file, info), bytes });
      } catch (error) {
        settle(error as Error);
      }
    };
    file.onReady = (info) => {
      // Fragments add samples as they arrive: wait for the whole file before building.
      if (!info.isFragmented) finishTrack(info);
    };

    void (async () => {
      const reader = response.body!.getReader();
      let offset = 0;
      try {
        for (;;) {
          let next: ReadableStreamReadResult<Uint8Array>;
          try {
            next = await reader.read();
          } catch (error) {
            if (isAbortError(error)) throw error;
            throw new RerunVideoError('network', `The download of ${url} failed: ${(error as Error).message}`);
          }
          const { done, value } = next;
          if (done) break;
          if (offset === 0 && value.byteLength >= 8 && !looksLikeMp4(value)) {
            throw new RerunVideoError('format', `${url} is not an MP4 file (it does not start with an MP4 box).`);
          }
          bytes.append(value);
          // mp4box keeps the buffers it is given: hand it its own copy.
          const chunk = MP4BoxBuffer.fromArrayBuffer(value.slice().buffer, offset);
          offset += value.byteLength;
          if (!settled) file.appendBuffer(chunk);
          if (parseError) throw new RerunVideoError('format', `${url} could not be parsed: ${parseError}`);
        }
        bytes.finish();
        if (!settled) {
          file.flush();
          if (parseError) throw new RerunVideoError('format', `${url} could not be parsed: ${parseError}`);
          if (!file.moov) {
            throw new RerunVideoError('format', `${url} is not a playable MP4 file: no movie header (moov) was found.`);
          }
          finishTrack(file.getInfo());
        }
      } catch (error) {
        const failure = isAbortError(error)
          ? error
          : error instanceof RerunVideoError
            ? error
            : new RerunVideoError('format', `${url} could not be parsed: ${(error as Error).message}`);
        bytes.fail(failure);
        settle(failure as Error);
        reader.cancel().catch(() => {});
      }
    })();
  });
}
