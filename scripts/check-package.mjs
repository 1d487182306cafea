// Fails when the package a user would install is incomplete: `npm pack` must hold the built
// entries with their types, the source the maps point to, the licence and the command, no
// tests, and every path package.json exports must be in it. And when README.md links to a
// relative path, or when package.json's "customElements" (what editors and Storybook read) names
// anything but the packed custom-elements.json (a `cem analyze --outdir` rewrites it to its
// output, and such a /tmp path was once committed). The registry shows the README without the repository's files beside it (and
// package.json names no repository to resolve them against), so every link must be absolute.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [{ files }] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' }));
const packed = new Set(files.map((f) => f.path));
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const wanted = ['dist/index.js', 'dist/index.d.ts', 'dist/rerun-video.min.js', 'src/index.ts', 'LICENSE', 'custom-elements.json', ...Object.values(pkg.bin)];
for (const target of Object.values(pkg.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)))) {
  wanted.push(target.replace(/^\.\//, ''));
}
/** The targets of README.md's links and images (Markdown, reference-style, HTML), outside code. */
function readmeLinks(markdown) {
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '').replace(/`[^`\n]*`/g, '');
  return [
    ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)/g)].map((m) => m[1]),
    ...[...prose.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)/gm)].map((m) => m[1]),
    ...[...prose.matchAll(/<(?:a|img|source)\b[^>]*?\s(?:href|src)\s*=\s*["']([^"']+)/gi)].map((m) => m[1]),
  ];
}
const relativeLinks = readmeLinks(readFileSync('README.md', 'utf8')).filter((t) => !/^(https?:|mailto:|#)/i.test(t));

const problems = [
  ...wanted.filter((f) => !packed.has(f)).map((f) => `missing ${f}`),
  ...(pkg.customElements === 'custom-elements.json' ? [] : [`package.json "customElements" is ${JSON.stringify(pkg.customElements)}, not "custom-elements.json"`]),
  ...[...packed].filter((f) => f.startsWith('test/') || f.includes('.test.')).map((f) => `test file packed: ${f}`),
  ...relativeLinks.map((t) => `README.md links to the relative path ${t}, which breaks on the registry page (use an absolute URL or plain text)`),
];
if (problems.length) {
  console.error(`npm pack: ${problems.join('; ')}`);
  process.exit(1);
}
console.log(`npm pack: ${packed.size} files, entries, types, source and licence present, no tests; README links absolute; customElements names custom-elements.json.`);
