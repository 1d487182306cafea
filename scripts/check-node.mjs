// Fails when the built package cannot be used on a server (run after `npm run build`):
//   - every JavaScript entry package.json exports (`rerun-video`, `rerun-video/react`,
//     `rerun-video/vue`, `rerun-video/rerun-video.min.js`) imports in plain Node, where there is
//     no HTMLElement, document or customElements, without throwing, and exports RerunVideo;
//   - @lit-labs/ssr renders `<rerun-video src=… time=…>` to its shell: the element with its
//     attributes, a declarative shadow root and the canvas in it. Through `rerun-video` (Lit's
//     node build, as SSR frameworks import it) and through the min bundle with Lit's global DOM
//     shim installed, as a page that serves the bundle would render it.
// Each case runs in a fresh Node process: an entry must not depend on globals another left behind.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

/** Runs an ES module body in a fresh `node`; returns its stdout, or throws with its stderr. */
function run(body) {
  try {
    return execFileSync(process.execPath, ['--input-type=module', '-e', body], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    // a throw in the minified bundle prints its whole line first: keep the error and where
    const lines = `${error.stderr || error.message}`.split('\n').filter((line) => line.length < 300);
    const at = lines.findIndex((line) => /^\w*Error\b/.test(line));
    throw new Error((at < 0 ? lines : lines.slice(at, at + 2)).join(' ').trim(), { cause: error });
  }
}

const problems = [];

const entries = Object.entries(pkg.exports)
  .filter(([, target]) => typeof target === 'object' && /\.js$/.test(target.default))
  .map(([subpath]) => subpath.replace(/^\./, pkg.name));
if (!entries.includes(`${pkg.name}/rerun-video.min.js`) || !entries.includes(pkg.name)) {
  problems.push(`package.json exports lost an entry: ${entries.join(', ')}`);
}
for (const entry of entries) {
  try {
    const out = run(`
      for (const name of ['HTMLElement', 'document', 'customElements', 'window']) {
        if (name in globalThis) throw new Error('Node already has ' + name);
      }
      const m = await import(${JSON.stringify(entry)});
      console.log(typeof m.RerunVideo);`);
    // the element's own entries export its class (the React one exports the wrapper)
    const own = entry === pkg.name || entry.endsWith('.min.js');
    if (own && out.trim() !== 'function') problems.push(`${entry}: RerunVideo is not exported as a class (${out.trim()})`);
  } catch (error) {
    problems.push(`import '${entry}' in Node threw: ${error.message}`);
  }
}

const SRC = 'media/camera.mp4';
const TIME = '1.25';
/** Renders the element with @lit-labs/ssr after `setup` (import lines); returns the HTML. */
function renderWith(setup) {
  return run(`
    ${setup}
    const { render } = await import('@lit-labs/ssr');
    const { collectResult } = await import('@lit-labs/ssr/lib/render-result.js');
    const { html } = await import('lit');
    console.log(await collectResult(render(html\`<rerun-video src="${SRC}" time="${TIME}" fit="cover"></rerun-video>\`)));`);
}

/** What a rendered shell must hold; the problems found. */
function shellProblems(what, out) {
  const found = [];
  const open = /<rerun-video\b[^>]*>/.exec(out);
  if (!open) return [`${what}: no <rerun-video> in the output`];
  if (!open[0].includes(`src="${SRC}"`) || !open[0].includes(`time="${TIME}"`)) found.push(`${what}: attributes lost: ${open[0]}`);
  const rest = out.slice(open.index + open[0].length);
  const root = /^<template shadowroot="open" shadowrootmode="open">/.exec(rest);
  if (!root) found.push(`${what}: no declarative shadow root right inside the element: ${rest.slice(0, 80)}`);
  const end = rest.indexOf('</template>');
  const canvas = rest.search(/<canvas\b[^>]*\bpart="canvas"/);
  if (canvas < 0 || end < 0 || canvas > end) found.push(`${what}: no <canvas part="canvas"> in the shadow root`);
  if (!/<style>[^<]*:host\b/.test(rest.slice(0, end))) found.push(`${what}: the element's styles are not in the shadow root`);
  return found;
}

const cases = [
  ["@lit-labs/ssr, import 'rerun-video'", `await import(${JSON.stringify(pkg.name)});`],
  [
    '@lit-labs/ssr with its global DOM shim, the min bundle',
    `await import('@lit-labs/ssr/lib/install-global-dom-shim.js'); await import(${JSON.stringify(`${pkg.name}/rerun-video.min.js`)});`,
  ],
];
const rendered = [];
for (const [what, setup] of cases) {
  try {
    const out = renderWith(setup);
    problems.push(...shellProblems(what, out));
    rendered.push(out.length);
  } catch (error) {
    problems.push(`${what} threw: ${error.message}`);
  }
}

if (problems.length) {
  console.error(`Node/SSR: ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `Node/SSR: ${entries.length} entries import in plain Node; @lit-labs/ssr renders the shadow root with the canvas (${rendered.join(' and ')} characters).`,
);
