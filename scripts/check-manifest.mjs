// Fails when custom-elements.json is not what `cem analyze` makes from src/ now.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// cem resolves --outdir against the working directory even when it is absolute, and it
// points package.json's "customElements" at what it writes: put package.json back after.
const out = 'node_modules/.cache/cem-check';
const packageJson = readFileSync('package.json', 'utf8');
let fresh;
try {
  execFileSync('node_modules/.bin/cem', ['analyze', '--outdir', out], { stdio: 'pipe' });
  fresh = JSON.stringify(JSON.parse(readFileSync(path.join(out, 'custom-elements.json'), 'utf8')));
} finally {
  writeFileSync('package.json', packageJson);
  rmSync(out, { recursive: true, force: true });
}
const committed = JSON.stringify(JSON.parse(readFileSync('custom-elements.json', 'utf8')));
if (fresh !== committed) {
  console.error('custom-elements.json is out of date: run `npm run analyze` and commit it.');
  process.exit(1);
}
console.log('custom-elements.json is current.');
