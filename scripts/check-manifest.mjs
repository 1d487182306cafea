// Fails when custom-elements.json is not what `cem analyze` makes from src/ now, or when it
// names a file the package does not ship: every module `path` and every `module` reference
// must be a file in `npm pack` (dist/*.js, not src/*.ts). Run after `npm run build`.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// cem resolves --outdir against the working directory even when it is absolute, and it
// points package.json's "customElements" at what it writes: put package.json back after.
const out = 'node_modules/.cache/cem-check';
const packageJson = readFileSync('package.json', 'utf8');
const packageTimes = statSync('package.json');
let fresh;
try {
  execFileSync('node_modules/.bin/cem', ['analyze', '--outdir', out], { stdio: 'pipe' });
  fresh = JSON.stringify(JSON.parse(readFileSync(path.join(out, 'custom-elements.json'), 'utf8')));
} finally {
  if (readFileSync('package.json', 'utf8') !== packageJson) writeFileSync('package.json', packageJson);
  // its old mtime too: scripts/check.sh tells from mtimes whether dist/ is current
  utimesSync('package.json', packageTimes.atime, packageTimes.mtime);
  rmSync(out, { recursive: true, force: true });
}
const manifest = JSON.parse(readFileSync('custom-elements.json', 'utf8'));
if (fresh !== JSON.stringify(manifest)) {
  console.error('custom-elements.json is out of date: run `npm run analyze` and commit it.');
  process.exit(1);
}

/** Every module path the manifest names: modules' `path`, and `module` in any reference. */
function namedPaths(node, found = new Set()) {
  if (Array.isArray(node)) node.forEach((child) => namedPaths(child, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'path' || key === 'module') && typeof value === 'string') found.add(value);
      else namedPaths(value, found);
    }
  }
  return found;
}
const [{ files }] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' }));
const packed = new Set(files.map((f) => f.path));
const named = namedPaths(manifest.modules);
const missing = [...named].filter((p) => !packed.has(p));
const element = manifest.modules.find((m) => m.declarations?.some((d) => d.tagName === 'rerun-video'));
if (missing.length || !element) {
  console.error(
    missing.length
      ? `custom-elements.json names files the package does not ship: ${missing.join(', ')}`
      : 'custom-elements.json declares no <rerun-video>',
  );
  process.exit(1);
}
console.log(`custom-elements.json is current; its ${named.size} module paths are shipped files (<rerun-video> in ${element.path}).`);
