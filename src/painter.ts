import { displaySize, type Orientation } from './mp4/video-track.js';

type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** How a picture is laid out for display. */
export interface Picture {
  /** Size the picture is drawn at before it is turned (the track's size, or the image's). */
  width: number;
  height: number;
  orientation?: Orientation;
  /**
   * The part of the decoded picture to show, in its pixels (Matroska's PixelCrop); the whole
   * picture when absent.
   */
  source?: { x: number; y: number; width: number; height: number };
}

const IDENTITY: Orientation = { a: 1, b: 0, c: 0, d: 1 };

/** The size of `picture` once turned. */
const displayed = ({ width, height, orientation }: Picture) => displaySize(width, height, orientation ?? IDENTITY);

/** Device pixels a picture is shown in: the canvas's box on the page. */
export interface ShownSize {
  width: number;
  height: number;
}

/**
 * Paints decoded pictures on a 2D context (a canvas on the page, or an OffscreenCanvas): it
 * sizes the canvas to the displayed size and applies the track's orientation, rotation and
 * flips alike, as one transform. With `shownSize` (`resolution="display"`), a picture larger
 * than the box it is shown in is painted at the box's size in device pixels instead (never
 * larger than the picture), as `<video>` renders: drawing and compositing cost by the pixel.
 */
export class Painter {
  constructor(
    private readonly context: () => Context2D | null,
    private readonly shownSize: () => ShownSize | null = () => null,
  ) {}

  /** The canvas size `picture` is painted at: its displayed size, scaled down to the box it is shown in. */
  canvasSize(picture: Picture): ShownSize {
    const { width: displayWidth, height: displayHeight } = displayed(picture);
    const shown = this.shownSize();
    if (!shown || !(shown.width > 0 && shown.height > 0)) return { width: displayWidth, height: displayHeight };
    // The larger of the two ratios: enough for `fit` contain (the smaller one fills the box)
    // and cover (the larger one does) alike.
    const k = Math.min(1, Math.max(shown.width / displayWidth, shown.height / displayHeight));
    return { width: Math.max(1, Math.round(displayWidth * k)), height: Math.max(1, Math.round(displayHeight * k)) };
  }

  paint(image: CanvasImageSource | VideoFrame, picture: Picture): void {
    const context = this.context();
    if (!context) return;
    const { width, height } = picture;
    const { a, b, c, d } = picture.orientation ?? IDENTITY;
    const canvas = context.canvas;
    const display = displayed(picture);
    const size = this.canvasSize(picture);
    if (canvas.width !== size.width || canvas.height !== size.height) {
      canvas.width = size.width;
      canvas.height = size.height;
    }
    // Moves the turned picture back into view (its corners' least x and y become 0), then
    // scales it to the canvas.
    const kx = size.width / display.width;
    const ky = size.height / display.height;
    const e = -(Math.min(0, a * width) + Math.min(0, c * height));
    const f = -(Math.min(0, b * width) + Math.min(0, d * height));
    context.setTransform(a * kx, b * ky, c * kx, d * ky, e * kx, f * ky);
    // A VideoFrame's natural size is its display size and drawImage takes only its visible
    // rect, so decoder padding (Chromium's coded sizes are padded) never reaches the canvas;
    // cached ImageBitmaps were made from the same frames, at that size.
    const source = picture.source;
    if (source) {
      // The whole picture drawn larger and shifted, so that `source` fills the canvas and the
      // rest falls outside it. Not the 9-argument drawImage: WebKitGTK 2.50 ignores its source
      // rectangle for a VideoFrame (and draws a VideoFrame made with a visibleRect whole), measured.
      const [w, h] = 'displayWidth' in image ? [image.displayWidth, image.displayHeight] : [(image as ImageBitmap).width, (image as ImageBitmap).height];
      const sx = width / source.width;
      const sy = height / source.height;
      context.drawImage(image as CanvasImageSource, -source.x * sx, -source.y * sy, w * sx, h * sy);
    } else {
      context.drawImage(image as CanvasImageSource, 0, 0, width, height);
    }
    context.setTransform(1, 0, 0, 1, 0, 0);
  }

  clear(): void {
    const context = this.context();
    context?.clearRect(0, 0, context.canvas.width, context.canvas.height);
  }
}
