/**
 * Reads the binary frame code that test/fixtures/make-fixtures.sh draws into every
 * frame of the test videos.
 *
 * Code format (reference size 320x240; everything scales with the picture):
 * - A band across the top: y = 0..39 (the top 1/6 of the picture).
 * - 16 cells of 20 px each (width/16): cell i spans x = 20*i .. 20*i+19.
 * - Cell i carries bit i of the frame number; cell 0 (leftmost) is the least
 *   significant bit. White (luma 255) = 1, black (luma 0) = 0.
 * - The frame number is the frame's 0-based index in presentation order.
 *
 * Reading: average a 6x6 px square at the centre of each cell (scaled by
 * width/320 and height/240, so other canvas sizes work too), luma =
 * 0.299 R + 0.587 G + 0.114 B, bit = luma > 128.
 */

/** Reference geometry of the code band (at 320x240). */
export const FRAME_CODE = {
  refWidth: 320,
  refHeight: 240,
  bandHeight: 40,
  cells: 16,
  cellWidth: 20,
  sampleSize: 6,
} as const;

type Pixels = Pick<ImageData, 'data' | 'width' | 'height'>;

/**
 * Returns the frame number coded in the band of a canvas or of its pixels.
 *
 * A canvas is read through its own 2D context (getImageData over the whole
 * canvas). A canvas that has another context type (bitmaprenderer, webgl) is
 * first copied into a temporary 2D canvas. Note that a canvas with no context
 * yet gets a 2D context from this call.
 */
export function readFrameCode(source: HTMLCanvasElement | ImageData): number {
  return decodeBand(source instanceof HTMLCanvasElement ? canvasPixels(source) : source);
}

/**
 * Draws `src` (a video, VideoFrame, ImageBitmap, canvas, ...) scaled to
 * width x height into an offscreen 2D canvas and reads its frame code.
 */
export function readCodeFromImageSource(
  src: CanvasImageSource,
  width: number,
  height: number,
): number {
  const ctx = create2dContext(width, height);
  ctx.drawImage(src, 0, 0, width, height);
  return decodeBand(ctx.getImageData(0, 0, width, height));
}

/** Draws the code band for `code` over the top of a `width` x `height` picture. */
export function drawFrameCode(context: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D, code: number, width: number, height: number): void {
  const band = (FRAME_CODE.bandHeight * height) / FRAME_CODE.refHeight;
  context.fillStyle = '#000';
  context.fillRect(0, 0, width, band);
  context.fillStyle = '#fff';
  for (let bit = 0; bit < FRAME_CODE.cells; bit++) {
    if (code & (1 << bit)) context.fillRect((bit * width) / FRAME_CODE.cells, 0, width / FRAME_CODE.cells, band);
  }
}

function canvasPixels(canvas: HTMLCanvasElement): Pixels {
  const { width, height } = canvas;
  if (width === 0 || height === 0) throw new Error('readFrameCode: canvas has no pixels');
  const own = canvas.getContext('2d');
  if (own) return own.getImageData(0, 0, width, height);
  const ctx = create2dContext(width, height);
  ctx.drawImage(canvas, 0, 0);
  return ctx.getImageData(0, 0, width, height);
}

type Context2d = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

function create2dContext(width: number, height: number): Context2d {
  const canvas =
    typeof OffscreenCanvas !== 'undefined'
      ? new OffscreenCanvas(width, height)
      : Object.assign(document.createElement('canvas'), { width, height });
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as Context2d | null;
  if (!ctx) throw new Error('readFrameCode: no 2D canvas context available');
  return ctx;
}

function decodeBand({ data, width, height }: Pixels): number {
  const { refWidth, refHeight, bandHeight, cells, cellWidth, sampleSize } = FRAME_CODE;
  const sx = width / refWidth;
  const sy = height / refHeight;
  // The sample square scales down for small pictures but stays inside the cell.
  const size = Math.max(
    1,
    Math.min(sampleSize, Math.floor((cellWidth * sx) / 2), Math.floor((bandHeight * sy) / 2)),
  );
  const cy = (bandHeight / 2) * sy;
  let code = 0;
  for (let i = 0; i < cells; i++) {
    const cx = (cellWidth * i + cellWidth / 2) * sx;
    const x0 = Math.max(0, Math.round(cx - size / 2));
    const y0 = Math.max(0, Math.round(cy - size / 2));
    const x1 = Math.min(width, x0 + size);
    const y1 = Math.min(height, y0 + size);
    let sum = 0;
    let n = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const p = (y * width + x) * 4;
        sum += 0.299 * (data[p] ?? 0) + 0.587 * (data[p + 1] ?? 0) + 0.114 * (data[p + 2] ?? 0);
        n++;
      }
    }
    if (n > 0 && sum / n > 128) code |= 1 << i;
  }
  return code;
}
