/**
 * A decoded frame's pixels, copied out of the decoder's pool (holding a `VideoFrame` would
 * stall the decoder) to be painted later, from the frame cache.
 */
export interface FrameCopy {
  /** How the pixels are kept: the frame's own planes, or an RGBA `ImageBitmap`. */
  readonly kind: 'planes' | 'bitmap';
  /** Bytes the copy holds. */
  readonly bytes: number;
  /** Calls `draw` with a picture of the frame, valid only during the call. */
  draw(draw: (image: VideoFrame | ImageBitmap) => void): void;
  close(): void;
}

/**
 * Formats whose planes are copied as they are. A 4:2:0 frame's planes are 1.5 bytes a pixel
 * against an ImageBitmap's 4, and `copyTo` is a plain copy while `createImageBitmap` converts
 * to RGB on the main thread. Measured on one 1080p decoded H.264 frame, median of 30
 * (`copyTo` + a `VideoFrame` made from the copy and drawn, against `createImageBitmap` + the
 * bitmap drawn, both read back): Chromium 156 3.5 + 14.8 ms against 22.3 + 1.8; WebKitGTK
 * 2.50 3 + 22 against 9 + 38. Firefox 153 decodes to BGRX, whose `copyTo` takes 26–31 ms
 * against `createImageBitmap`'s 10–12: formats not listed here become bitmaps.
 */
const PLANAR = new Set<string>(['I420', 'I420A', 'I422', 'I422A', 'I444', 'I444A', 'NV12', 'I420P10', 'I422P10', 'I444P10', 'I420P12', 'I422P12', 'I444P12']);

/**
 * Buffers of closed plane copies kept for the next copies: `copyTo` into a fresh 1080p buffer
 * took 2.5–3.4 ms, into one used before 0.5 ms (Chromium 156, medians of 30; the first
 * touch of new memory is what costs). Few: the cache evicts one frame per frame it takes.
 */
const SPARE_BUFFERS = 4;

/** The part of a frame that is shown, as a plain rect for `copyTo`. */
function visible(frame: VideoFrame): { x: number; y: number; width: number; height: number } {
  const { x, y, width, height } = frame.visibleRect ?? { x: 0, y: 0, width: frame.codedWidth, height: frame.codedHeight };
  return { x, y, width, height };
}

class PlaneCopy implements FrameCopy {
  readonly kind = 'planes';
  private data: ArrayBuffer | null;

  constructor(
    data: ArrayBuffer,
    private readonly init: VideoFrameBufferInit,
    private readonly recycle: (data: ArrayBuffer) => void,
  ) {
    this.data = data;
  }

  get bytes(): number {
    return this.data?.byteLength ?? 0;
  }

  draw(draw: (image: VideoFrame) => void): void {
    if (!this.data) throw new Error('The frame copy was closed');
    // Not transferred: a cached frame may be painted again (stepping back and forth).
    const frame = new VideoFrame(this.data, this.init);
    try {
      draw(frame);
    } finally {
      frame.close();
    }
  }

  close(): void {
    if (this.data) this.recycle(this.data);
    this.data = null;
  }
}

class BitmapCopy implements FrameCopy {
  readonly kind = 'bitmap';
  readonly bytes: number;

  constructor(private readonly bitmap: ImageBitmap) {
    this.bytes = bitmap.width * bitmap.height * 4;
  }

  draw(draw: (image: ImageBitmap) => void): void {
    draw(this.bitmap);
  }

  close(): void {
    this.bitmap.close();
  }
}

/**
 * Copies decoded frames: a planar YUV frame by its planes (its visible part), anything else
 * as an ImageBitmap. The first plane copy is checked by making a `VideoFrame` of it; if that
 * or the copy fails (a browser without the format, a visible rect the subsampling cannot
 * cut), every frame after it is copied as a bitmap.
 */
export class FrameCopier {
  /** Whether plane copies work here: undefined until the first has been made. */
  private planes: boolean | undefined;
  private spare: ArrayBuffer[] = [];
  private disposed = false;
  private readonly recycle = (data: ArrayBuffer) => {
    if (!this.disposed && this.spare.length < SPARE_BUFFERS) this.spare.push(data);
  };

  /** Lets go of the buffers kept for reuse. */
  dispose(): void {
    this.disposed = true;
    this.spare = [];
  }

  /**
   * The bytes copy(frame) will hold, known before it is made: so the cache can size itself on
   * the first frame out, before deciding which frames to keep.
   */
  sizeOf(frame: VideoFrame): number {
    if (this.copiesPlanes(frame)) {
      try {
        return frame.allocationSize({ rect: visible(frame) });
      } catch {
        // copy() falls back to a bitmap too
      }
    }
    return frame.displayWidth * frame.displayHeight * 4;
  }

  async copy(frame: VideoFrame): Promise<FrameCopy> {
    if (this.copiesPlanes(frame)) {
      const copy = await this.copyPlanes(frame);
      if (copy) return copy;
    }
    return new BitmapCopy(await createImageBitmap(frame));
  }

  private copiesPlanes(frame: VideoFrame): boolean {
    return this.planes !== false && frame.format !== null && PLANAR.has(frame.format);
  }

  private async copyPlanes(frame: VideoFrame): Promise<FrameCopy | null> {
    try {
      // Only the visible part: WebKitGTK 2.50 draws a VideoFrame made with a visibleRect whole.
      const rect = visible(frame);
      const { width, height } = rect;
      const size = frame.allocationSize({ rect });
      const reused = this.spare.findIndex((buffer) => buffer.byteLength === size);
      const data = reused >= 0 ? this.spare.splice(reused, 1)[0] : new ArrayBuffer(size);
      const layout = await frame.copyTo(data, { rect });
      const init: VideoFrameBufferInit = {
        format: frame.format!,
        codedWidth: width,
        codedHeight: height,
        displayWidth: frame.displayWidth,
        displayHeight: frame.displayHeight,
        // No duration: nothing paints by it, and WebKitGTK 2.50 gives AV1 frames one of 2^64 - 1,
        // which the VideoFrame constructor refuses (measured).
        timestamp: frame.timestamp,
        colorSpace: frame.colorSpace.toJSON(),
        layout,
      };
      const copy = new PlaneCopy(data, init, this.recycle);
      if (this.planes === undefined) copy.draw(() => {});
      this.planes = true;
      return copy;
    } catch {
      this.planes = false;
      return null;
    }
  }
}
