// Reports the size of the self-registering bundle and fails past the budget.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET_GZIP_BYTES = 50 * 1024;
const bundle = readFileSync('dist/rerun-video.min.js');
const gzipped = gzipSync(bundle, { level: 9 }).byteLength;
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`dist/rerun-video.min.js: ${kib(bundle.byteLength)} minified, ${kib(gzipped)} gzipped (budget ${kib(BUDGET_GZIP_BYTES)}).`);
if (gzipped > BUDGET_GZIP_BYTES) process.exit(1);
