/** What kind of failure stopped the element from showing anything. */
export type RerunVideoErrorCode = 'network' | 'format' | 'decode' | 'fallback';

/** The `error` property and the `error` event's detail. */
export interface RerunVideoErrorInfo {
  code: RerunVideoErrorCode;
  message: string;
}

/** An error that carries the code the element reports for it. */
export class RerunVideoError extends Error implements RerunVideoErrorInfo {
  constructor(
    readonly code: RerunVideoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RerunVideoError';
  }
}

/** The browser cannot decode the codec: `configure`/`decode` reported `NotSupportedError`. */
export class UnsupportedCodecError extends RerunVideoError {
  constructor(message: string) {
    super('decode', message);
    this.name = 'UnsupportedCodecError';
  }
}

/** The file ends before a sample's bytes: the frames that need them cannot be shown. */
export class MissingBytesError extends RerunVideoError {
  constructor(message: string) {
    super('format', message);
    this.name = 'MissingBytesError';
  }
}

export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

export function abortError(message = 'Superseded by a newer request'): DOMException {
  return new DOMException(message, 'AbortError');
}

/** Turns anything thrown into the element's error shape, keeping the code of a RerunVideoError. */
export function toErrorInfo(error: unknown, fallbackCode: RerunVideoErrorCode): RerunVideoErrorInfo {
  if (error instanceof RerunVideoError) return { code: error.code, message: error.message };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { code: fallbackCode, message };
}
