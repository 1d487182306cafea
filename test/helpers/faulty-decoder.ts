/**
 * A real `VideoDecoder` that fails on the chunks `failOn` picks, as a browser's does on a
 * corrupt sample or when it reclaims the codec: it closes itself and reports `error` with a
 * DOMException named `name`. Only the failure is fake; decoding is real. `onFail` counts.
 */
export function faultyDecoder(
  failOn: (chunk: EncodedVideoChunk, call: number) => boolean,
  name: string,
  onFail: () => void = () => {},
): typeof VideoDecoder {
  const Real = VideoDecoder;
  let calls = 0;
  return class extends Real {
    private readonly report: (error: DOMException) => void;
    constructor(init: VideoDecoderInit) {
      super(init);
      this.report = init.error;
    }
    override decode(chunk: EncodedVideoChunk): void {
      if (failOn(chunk, ++calls)) {
        onFail();
        this.close();
        queueMicrotask(() => this.report(new DOMException('Injected failure', name)));
        return;
      }
      super.decode(chunk);
    }
  };
}
