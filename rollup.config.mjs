// Bundles the compiled ESM (`tsc` writes dist/*.js first) into one self-registering,
// minified module for a plain <script type="module">, Lit and mp4box included.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

// Importing the bundle outside a browser (Node, an SSR framework's module graph) must not throw.
// Lit's browser build reads three DOM globals while its modules are evaluated: `class
// ReactiveElement extends HTMLElement`, lit-html's `document.createTreeWalker(document, 129)`
// and @customElement's `customElements.define`. Lit's node build guards exactly these (with
// @lit-labs/ssr-dom-shim), but it is made for Node: `isServer` is true there, and the shim
// installs globals of its own. So the bundle keeps the browser build, and its entry chunk starts
// with module-scoped stand-ins: in a browser each one *is* the global; where a DOM shim is
// installed (@lit-labs/ssr's install-global-dom-shim.js) they are the shim's, so the element
// renders on the server too; with no DOM at all the element class is made but not defined.
// scripts/check-node.mjs imports the bundle in plain Node and fails without these lines.
export const SERVER_GUARD = [
  'const HTMLElement = globalThis.HTMLElement ?? class {};',
  'const customElements = globalThis.customElements ?? { define() {}, get() {} };',
  'const document = globalThis.document ?? { createTreeWalker: () => ({}) };',
].join('\n');

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
    intro: (chunk) => (chunk.isEntry ? SERVER_GUARD : ''),
  },
  plugins: [
    // `production` picks Lit's production build (no dev-mode warnings, smaller).
    nodeResolve({ browser: true, exportConditions: ['production'] }),
    terser({ module: true, ecma: 2022, format: { comments: false } }),
  ],
};
