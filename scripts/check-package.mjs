// Fails when the package a user would install is incomplete: `npm pack` must hold the built
// entries with their types, the source the maps point to, the licence and the command, no
// tests, and every path package.json exports must be in it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [{ files }] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' }));
const packed = new Set(files.map((f) => f.path));
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const wanted = ['dist/index.js', 'dist/index.d.ts', 'dist/rerun-video.min.js', 'src/index.ts', 'LICENSE', 'custom-elements.json', ...Object.values(pkg.bin)];
for (const target of Object.values(pkg.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)))) {
  wanted.push(target.replace(/^\.\//, ''));
}
const problems = [
  ...wanted.filter((f) => !packed.has(f)).map((f) => `missing ${f}`),
  ...[...packed].filter((f) => f.startsWith('test/') || f.includes('.test.')).map((f) => `test file packed: ${f}`),
];
if (problems.length) {
  console.error(`npm pack: ${problems.join('; ')}`);
  process.exit(1);
}
console.log(`npm pack: ${packed.size} files, entries, types, source and licence present, no tests.`);
