// Fails when package.json's `engines.node` promises a Node that some locked package refuses:
// every package in package-lock.json (dependencies and devDependencies, at any depth, optional
// ones included) that declares `engines.node` must accept every Node version the project's own
// range admits, its lowest one first. That is what keeps `npm ci` free of EBADENGINE warnings on
// the Node the README names.
//
//   node scripts/check-engines.mjs [package-lock.json]   (default: the one beside package.json)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import semver from 'semver';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const lockPath = process.argv[2] ?? path.join(ROOT, 'package-lock.json');
const declared = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).engines?.node;
if (!declared || !semver.validRange(declared)) {
  console.error(`engines: package.json must declare a valid engines.node range (found ${JSON.stringify(declared)})`);
  process.exit(1);
}
const minimum = semver.minVersion(declared);

const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
if (!lock.packages) {
  console.error(`engines: ${lockPath} has no "packages" map (lockfileVersion ${lock.lockfileVersion}; need 2 or 3)`);
  process.exit(1);
}

const problems = [];
let checked = 0;
for (const [where, entry] of Object.entries(lock.packages)) {
  if (where === '') continue; // the project itself
  const range = entry.engines?.node; // npm ignores the old array form, and so do we
  if (typeof range !== 'string') continue;
  checked++;
  const name = `${where.replace(/^.*node_modules\//, '')}@${entry.version} (${where})`;
  if (!semver.validRange(range)) {
    problems.push(`${name}: engines.node ${JSON.stringify(range)} is not a semver range`);
  } else if (!semver.satisfies(minimum, range)) {
    problems.push(`${name} needs node ${JSON.stringify(range)}: the declared minimum ${minimum} is refused`);
  } else if (!semver.subset(declared, range)) {
    problems.push(`${name} needs node ${JSON.stringify(range)}: part of the declared ${JSON.stringify(declared)} is refused`);
  }
}

if (problems.length) {
  console.error(`engines: package.json declares node ${JSON.stringify(declared)}, but ${problems.length} locked package(s) refuse it:`);
  for (const p of problems) console.error(`  ${p}`);
  console.error('Pin versions that accept it, or change engines.node to what is really needed.');
  process.exit(1);
}
console.log(`engines: all ${checked} locked packages with engines.node accept node ${JSON.stringify(declared)} (from ${minimum}).`);
