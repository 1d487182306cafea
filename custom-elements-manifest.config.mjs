import fs from 'node:fs';
import path from 'node:path';

// `cem analyze --outdir /abs/dir` writes to ./abs/dir (it joins the working directory to any
// --outdir). Write the manifest to an absolute --outdir as asked, too, so checks that read it
// from a temporary directory (shared/hooks/before-stop) find it.
function absoluteOutdir() {
  const args = process.argv;
  const at = args.findIndex((arg) => arg === '--outdir' || arg.startsWith('--outdir='));
  if (at < 0) return null;
  const dir = args[at].includes('=') ? args[at].slice('--outdir='.length) : args[at + 1];
  return dir && path.isAbsolute(dir) ? dir : null;
}

/** The shipped file a source module becomes: `src/a/b.ts` -> `dist/a/b.js` (tsc's outDir). */
export function distPath(source) {
  return source.replace(/^\/?src\/(.+)\.ts$/, 'dist/$1.js');
}

// Tools read `path` and every `module` reference as a path in the installed package, and the
// package ships dist/*.js (src/ is there only for the source maps). The analyzer names the
// sources it read, and re-exports by their specifier (`./events.js`, relative to the module):
// name the built file, relative to the package root, in both cases.
// The analyzer lists modules in the order its glob finds them, which varies between runs
// (directories are read concurrently): sort them, so the committed file can be compared.
function shippedPaths(manifest) {
  manifest.modules.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const mod of manifest.modules) {
    mod.path = distPath(mod.path);
    const dir = path.posix.dirname(mod.path);
    const visit = (node) => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node && typeof node === 'object') {
        if (typeof node.module === 'string') {
          node.module = /^\.\.?\//.test(node.module) ? path.posix.join(dir, node.module) : distPath(node.module);
        }
        Object.values(node).forEach(visit);
      }
    };
    visit(mod.declarations);
    visit(mod.exports);
  }
}

export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts'],
  litelement: true,
  plugins: [
    {
      name: 'shipped-paths',
      packageLinkPhase({ customElementsManifest }) {
        shippedPaths(customElementsManifest);
      },
    },
    {
      name: 'absolute-outdir',
      packageLinkPhase({ customElementsManifest }) {
        const dir = absoluteOutdir();
        if (!dir) return;
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'custom-elements.json'), `${JSON.stringify(customElementsManifest, null, 2)}\n`);
      },
    },
  ],
};
