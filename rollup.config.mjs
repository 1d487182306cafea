// Bundles the compiled ESM (`tsc` writes dist/*.js first) into one self-registering,
// minified module for a plain <script type="module">, Lit and mp4box included.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

export default {
  input: 'dist/index.js',
  // tsc's decorator helper probes a top-level `this` for a shared __decorate; there is none.
  context: 'globalThis',
  // The WebM/Matroska reader is imported dynamically (only when a file starts with the EBML
  // magic): it becomes its own chunk, dist/rerun-video.webm.min.js, loaded from beside the bundle.
  // The entry may export more than src/index.ts does (what the WebM chunk imports from it), so
  // the bundle stays one file for MP4 pages instead of a facade over a shared chunk.
  preserveEntrySignatures: 'allow-extension',
  output: {
    dir: 'dist',
    entryFileNames: 'rerun-video.min.js',
    chunkFileNames: 'rerun-video.[name].min.js',
    format: 'es',
    sourcemap: true,
  },
  plugins: [
    // `production` picks Lit's production build (no dev-mode warnings, smaller).
    nodeResolve({ browser: true, exportConditions: ['production'] }),
    terser({ module: true, ecma: 2022, format: { comments: false } }),
  ],
};
