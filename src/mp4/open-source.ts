import { RerunVideoError, isAbortError } from '../errors.js';
import { CachedSource, StreamedBytes, httpRangeReader, blobReader, parseContentRange, readBody, type ByteSource } from './byte-source.js';

export interface SourceOptions {
  signal: AbortSignal;
  credentials: RequestCredentials;
  /** Byte budget of the sample cache (range and Blob sources). */
  cacheBytes?: number;
}

/** A URL short enough for a message: a `data:` URL is not repeated whole. */
export function describeUrl(url: string): string {
  if (url.startsWith('data:')) return `a data: URL of ${url.length} characters`;
  return url.length > 160 ? `${url.slice(0, 120)}…${url.slice(-30)}` : url;
}

/** A `File` or `Blob` (`srcObject`): read in slices, nothing uploaded or copied whole. */
export function blobSource(blob: Blob, cacheBytes?: number): ByteSource {
  return new CachedSource(blob.size, blobReader(blob), cacheBytes);
}

/**
 * Opens `url` for reading by range. The first request asks for the head of the file with a
 * `Range` header: a `206` with a `Content-Range` total means the server serves ranges, and
 * from then on only the bytes asked for are fetched (the boxes that describe the file, then
 * samples a GOP at a time). A `200` means it does not: the same response streams the whole
 * file into memory, as `<video>` would download it.
 */
export async function openUrl(url: string, { signal, credentials, cacheBytes }: SourceOptions): Promise<ByteSource> {
  const label = describeUrl(url);
  let response: Response;
  try {
    response = await fetch(url, { signal, credentials, headers: { Range: `bytes=0-${CachedSource.PROBE_BYTES - 1}` } });
  } catch (error) {
    if (isAbortError(error)) throw error;
    // A cross-origin server may refuse the CORS preflight a Range header needs: ask plainly.
    try {
      response = await fetch(url, { signal, credentials });
    } catch (again) {
      if (isAbortError(again)) throw again;
      throw new RerunVideoError('network', `Could not fetch ${label}: ${(again as Error).message}`);
    }
  }
  if (response.status === 416) {
    response.body?.cancel().catch(() => {});
    throw new RerunVideoError('format', `${label} is empty (the server answered 416 to a request for its first bytes).`);
  }
  if (!response.ok) {
    response.body?.cancel().catch(() => {});
    throw new RerunVideoError('network', `Could not fetch ${label}: HTTP ${response.status} ${response.statusText}`.trim());
  }
  const range = response.status === 206 ? parseContentRange(response.headers.get('content-range')) : null;
  if (range && range.start === 0 && range.total !== null && range.end <= range.total) {
    // The probe's body goes into the cache as it arrives: the first box header is read from
    // its first block, and the next request (a moov past the probe) goes out meanwhile.
    const source = new CachedSource(range.total, httpRangeReader(url, label, credentials), cacheBytes);
    source.adopt(range.end, (wanted, onBytes) => readBody(response, wanted, onBytes, label));
    return source;
  }
  if (response.status === 206) {
    response.body?.cancel().catch(() => {});
    throw new RerunVideoError('network', `${label}: the server answered a range request with an unusable Content-Range.`);
  }
  return streamBody(response, label);
}

/** The whole body of a `200`, into memory as it arrives; readers wait for their bytes. */
function streamBody(response: Response, label: string): StreamedBytes {
  const reader = response.body!.getReader();
  const length = Number(response.headers.get('content-length')) || null;
  const bytes = new StreamedBytes(length, () => reader.cancel().catch(() => {}));
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes.append(value);
      }
      bytes.finish();
    } catch (error) {
      bytes.fail(isAbortError(error) ? error : new RerunVideoError('network', `The download of ${label} failed: ${(error as Error).message}`));
    }
  })();
  return bytes;
}
