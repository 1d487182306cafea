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

export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts'],
  litelement: true,
  plugins: [
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
