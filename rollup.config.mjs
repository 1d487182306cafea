// Bundles the compiled ESM (`tsc` writes dist/*.js first) into one self-registering,
// minified module for a plain <script type="module">, Lit and mp4box included.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

export default {
  input: 'dist/index.js',
  // tsc's decorator helper probes a top-level `this` for a shared __decorate; there is none.
  context: 'globalThis',
  output: {
    file: 'dist/rerun-video.min.js',
    format: 'es',
    sourcemap: true,
  },
  plugins: [
    // `production` picks Lit's production build (no dev-mode warnings, smaller).
    nodeResolve({ browser: true, exportConditions: ['production'] }),
    terser({ module: true, ecma: 2022, format: { comments: false } }),
  ],
};
