#!/usr/bin/env node
// By hand, no browser:  node test/server/check-server.mjs
//
// Starts the shared servers on 127.0.0.1 (createRangeServer as bench/run.mjs uses it, and a
// @web/dev-server with the test runner's middleware and a copy of its cacheMiddleware), asks
// for a fixture with each fault parameter and prints what came back: status, headers, body
// bytes, time. Exits non-zero when something is not as faults.mjs / ranges.mjs promise.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startDevServer } from '@web/dev-server';

import { createRangeServer, rangeMiddleware } from './ranges.mjs';
import { requestLogMiddleware, requestLogPlugin } from './request-log.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FILE = '/test/fixtures/media/vp9.mp4';
const SIZE = fs.statSync(path.join(ROOT, FILE)).size;

/** One request on a fresh connection: { status, headers, bytes, ms, complete }. */
function get(base, url, headers = {}, method = 'GET') {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(`${base}${url}`, { method, headers, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (chunk) => (bytes += chunk.length));
      res.on('error', () => {}); // 'aborted' on a dropped connection: seen as complete === false
      res.on('close', () =>
        resolve({ status: res.statusCode, headers: res.headers, bytes, ms: Math.round(performance.now() - t0), complete: res.complete }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function show(what, r) {
  const h = ['accept-ranges', 'content-range', 'content-length', 'cache-control'].filter((k) => r.headers[k]).map((k) => `${k}: ${r.headers[k]}`);
  console.log(`${what.padEnd(44)} ${r.status} ${h.join(', ')}; body ${r.bytes} B in ${r.ms} ms${r.complete ? '' : ' (connection dropped)'}`);
}

async function checkFaults(base, label) {
  console.log(`\n== ${label} ${base}`);
  const check = async (what, url, headers, expect) => {
    const r = await get(base, url, headers);
    show(what, r);
    expect(r);
    return r;
  };
  await check('plain', FILE, {}, (r) => {
    assert.equal(r.status, 200);
    assert.equal(r.bytes, SIZE);
    assert.equal(r.headers['accept-ranges'], 'bytes');
    assert.equal(r.headers['cache-control'], 'no-store');
  });
  await check('Range: bytes=100-199', FILE, { range: 'bytes=100-199' }, (r) => {
    assert.equal(r.status, 206);
    assert.equal(r.headers['content-range'], `bytes 100-199/${SIZE}`);
    assert.equal(r.bytes, 100);
  });
  await check('Range: bytes=<size>-', FILE, { range: `bytes=${SIZE}-` }, (r) => {
    assert.equal(r.status, 416);
    assert.equal(r.headers['content-range'], `bytes */${SIZE}`);
  });

  const rate = 100_000;
  const slow = get(base, `${FILE}?throttle=${rate}`);
  const meanwhile = await get(base, FILE);
  show('plain, during a throttled one', meanwhile);
  assert.ok(meanwhile.ms < 300, 'a throttled response holds up others');
  const t = await slow;
  show(`?throttle=${rate}`, t);
  // the first piece (1/20 s worth) goes at once
  const expected = ((SIZE - rate / 20) / rate) * 1000;
  assert.equal(t.bytes, SIZE);
  assert.ok(t.ms > expected * 0.9 && t.ms < expected * 1.3, `throttle: ${t.ms} ms, want about ${Math.round(expected)}`);

  // two responses on one link share its rate: both end after about the time of both bodies
  const linked = `${FILE}?throttle=${rate}&link=check-${Math.random()}`;
  const [a, b] = await Promise.all([get(base, linked), get(base, linked)]);
  show(`two at once, ?throttle=${rate}&link=`, b);
  const both = ((2 * SIZE - rate / 20) / rate) * 1000;
  assert.equal(a.bytes + b.bytes, 2 * SIZE);
  assert.ok(Math.max(a.ms, b.ms) > both * 0.9 && Math.max(a.ms, b.ms) < both * 1.3, `link: ${Math.max(a.ms, b.ms)} ms, want about ${Math.round(both)}`);

  await check('?norange, Range: bytes=0-99', `${FILE}?norange`, { range: 'bytes=0-99' }, (r) => {
    assert.equal(r.status, 200);
    assert.equal(r.bytes, SIZE);
    assert.equal(r.headers['accept-ranges'], undefined);
  });
  await check('?drop-after=1000', `${FILE}?drop-after=1000`, {}, (r) => {
    assert.equal(r.bytes, 1000);
    assert.equal(r.complete, false);
  });
  await check('?drop-after=1000, Range: bytes=10000-', `${FILE}?drop-after=1000`, { range: 'bytes=10000-' }, (r) => {
    assert.equal(r.status, 206);
    assert.equal(r.bytes, 1000);
    assert.equal(r.complete, false);
  });
  await check('?drop-after=1000, Range: bytes=0-499', `${FILE}?drop-after=1000`, { range: 'bytes=0-499' }, (r) => {
    assert.equal(r.bytes, 500);
    assert.equal(r.complete, true);
  });
  await check('?drop-after=0', `${FILE}?drop-after=0`, {}, (r) => {
    assert.equal(r.status, 200);
    assert.equal(r.bytes, 0);
    assert.equal(r.complete, false);
  });
  for (const status of [500, 416, 404]) {
    await check(`?status=${status}, Range: bytes=0-99`, `${FILE}?status=${status}`, { range: 'bytes=0-99' }, (r) => {
      assert.equal(r.status, status);
      assert.equal(r.bytes, 0);
      if (status === 416) assert.equal(r.headers['content-range'], `bytes */${SIZE}`);
    });
  }
  await check('?lie-size=1000000, Range: bytes=0-99', `${FILE}?lie-size=1000000`, { range: 'bytes=0-99' }, (r) => {
    assert.equal(r.headers['content-range'], 'bytes 0-99/1000000');
    assert.equal(r.bytes, 100);
  });
  // (a smaller lie on a 200 sends bytes past Content-Length, which node's client rejects outright)
  await check('?lie-size=100000 (more than there is)', `${FILE}?lie-size=100000`, {}, (r) => {
    assert.equal(r.headers['content-length'], '100000');
    assert.equal(r.bytes, SIZE);
    assert.equal(r.complete, false);
  });
  const once = `${FILE}?first-range-only&check=${Date.now()}`;
  await check('?first-range-only, no Range', once, {}, (r) => assert.equal(r.status, 200));
  await check('?first-range-only, 1st Range: bytes=0-99', once, { range: 'bytes=0-99' }, (r) => assert.equal(r.status, 206));
  await check('?first-range-only, 2nd Range: bytes=0-99', once, { range: 'bytes=0-99' }, (r) => {
    assert.equal(r.status, 200);
    assert.equal(r.bytes, SIZE);
    assert.equal(r.headers['accept-ranges'], undefined);
  });
  await check('?throttle=20000&drop-after=5000', `${FILE}?throttle=20000&drop-after=5000`, {}, (r) => {
    assert.equal(r.bytes, 5000);
    assert.equal(r.complete, false);
    assert.ok(r.ms > 150, 'throttled');
  });
  await check('?status=abc', `${FILE}?status=abc`, {}, (r) => assert.equal(r.status, 400));
  const head = await get(base, `${FILE}?throttle=10&drop-after=0`, {}, 'HEAD');
  show('HEAD ?throttle=10&drop-after=0', head);
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String(SIZE));
}

const plain = createRangeServer(ROOT);
await new Promise((resolve) => plain.listen(0, '127.0.0.1', resolve));
await checkFaults(`http://127.0.0.1:${plain.address().port}`, 'createRangeServer');
plain.close();

// what @web/test-runner-core's cacheMiddleware does around ours when not watching
const cacheMiddleware = async (ctx, next) => {
  await next();
  if (path.extname(ctx.path)) ctx.response.set('cache-control', 'public, max-age=31536000');
};
const log = requestLogPlugin();
const dev = await startDevServer({
  config: { rootDir: ROOT, port: 0, hostname: '127.0.0.1', middleware: [cacheMiddleware, requestLogMiddleware, rangeMiddleware(ROOT)] },
  readCliArgs: false,
  readFileConfig: false,
  logStartMessage: false,
});
const base = `http://127.0.0.1:${dev.server.address().port}`;
await checkFaults(base, '@web/dev-server + rangeMiddleware');
const command = (payload) => log.executeCommand({ command: 'request-log', payload });
command({ clear: true });
await Promise.all([get(base, `${FILE}?drop-after=3000`), get(base, FILE, { range: 'bytes=0-99' }), get(base, `${FILE}?status=500`)]);
const entries = command({ details: true, match: FILE });
console.log('\nrequest-log { details: true }:');
for (const e of entries) console.log(' ', JSON.stringify(e));
const bytes = Object.fromEntries(entries.map((e) => [e.url, e.bytes]));
assert.deepEqual(bytes, { [`${FILE}?drop-after=3000`]: 3000, [FILE]: 100, [`${FILE}?status=500`]: 0 });
assert.equal(entries.find((e) => e.url === FILE).range, 'bytes=0-99');
await dev.stop();
console.log('\ncheck-server: all as expected');
