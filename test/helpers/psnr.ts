/**
 * Picture comparison for the real-world corpus test: both pictures are drawn into canvases
 * of one small size (so a 4K frame costs as little as a 320 px one, and decoder or `<video>`
 * resampling differences average out), then compared by PSNR over R, G and B.
 */

/** PSNR reported for identical pictures (the true value is infinite). */
export const IDENTICAL_DB = 99;

/** The comparison size for a picture of `width` x `height`: at most `maxWidth` wide, same aspect. */
export function comparisonSize(width: number, height: number, maxWidth = 320): { width: number; height: number } {
  const w = Math.min(maxWidth, width);
  return { width: w, height: Math.max(1, Math.round((w * height) / width)) };
}

/**
 * Draws `source` scaled into a `width` x `height` canvas and returns its RGBA pixels.
 * `rotate` (clockwise degrees) turns the picture first, for sources drawn sideways.
 */
export function snapshot(source: CanvasImageSource, width: number, height: number, rotate = 0): Uint8ClampedArray {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'high';
  if (rotate % 360 === 0) {
    context.drawImage(source, 0, 0, width, height);
  } else {
    const sideways = rotate % 180 !== 0;
    context.translate(width / 2, height / 2);
    context.rotate((rotate * Math.PI) / 180);
    const w = sideways ? height : width;
    const h = sideways ? width : height;
    context.drawImage(source, -w / 2, -h / 2, w, h);
  }
  return context.getImageData(0, 0, width, height).data;
}

/**
 * Draws `source` at its full `width` x `height` into a new canvas. Downscaling a `<video>`
 * directly takes another resampling path than downscaling a canvas (in Chromium a 3026x1386
 * frame, identical at full size, measured 33 dB after a direct 320 px draw): draw `<video>`
 * at full size first, so both sides are downscaled from a canvas the same way.
 */
export function fullSize(source: CanvasImageSource, width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.drawImage(source, 0, 0, width, height);
  return canvas;
}

/** PSNR in dB of two same-size RGBA pixel arrays over R, G and B (alpha ignored). */
export function psnr(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  if (a.length !== b.length) throw new Error(`psnr: sizes differ (${a.length} vs ${b.length} bytes)`);
  let sum = 0;
  for (let i = 0; i < a.length; i += 4) {
    const dr = a[i] - b[i];
    const dg = a[i + 1] - b[i + 1];
    const db = a[i + 2] - b[i + 2];
    sum += dr * dr + dg * dg + db * db;
  }
  const mse = sum / ((a.length / 4) * 3);
  if (mse === 0) return IDENTICAL_DB;
  return Math.min(IDENTICAL_DB, 10 * Math.log10((255 * 255) / mse));
}

/** Mean luma (0..255) of RGBA pixels: tells a black or blank picture from a real one. */
export function meanLuma(pixels: Uint8ClampedArray): number {
  let sum = 0;
  for (let i = 0; i < pixels.length; i += 4) sum += 0.299 * pixels[i] + 0.587 * pixels[i + 1] + 0.114 * pixels[i + 2];
  return sum / (pixels.length / 4);
}

/** Standard deviation of luma: near 0 for a flat (blank, black, one-colour) picture. */
export function lumaSpread(pixels: Uint8ClampedArray): number {
  const mean = meanLuma(pixels);
  let sum = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    const y = 0.299 * pixels[i] + 0.587 * pixels[i + 1] + 0.114 * pixels[i + 2];
    sum += (y - mean) * (y - mean);
  }
  return Math.sqrt(sum / (pixels.length / 4));
}
