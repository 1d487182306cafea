export { ImageSequence, windowFrames, DEFAULT_WINDOW_BYTES, type ImageSequenceOptions } from './image-sequence.js';
export { loadManifest, parseManifest, type ImageManifest } from './manifest.js';
