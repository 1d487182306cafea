// Static files with single HTTP byte ranges, shared by the test runner and the benchmark:
//
//   rangeMiddleware(root, { corpusDir })  Koa middleware for @web/dev-server / web-test-runner:
//       /corpus/<file>  -> corpusDir/<file> (default ../shared/corpus, or $RERUN_VIDEO_CORPUS,
//                          relative to root); 404 with a message when it is not there
//       /generated/<fixture>-x<times>.mp4 -> a long recording made from a fixture (long-mp4.mjs)
//       /<path>         -> root/<path>, for files whose extension the dev server does not
//                          transform or serve itself (see DEV_SERVER_EXT); an .mp4 that is
//                          not there but has a .splice.json is built from it (spliced.mjs);
//                          the rest goes on
//   createRangeServer(root, { onNotFound })  a node:http server (not yet listening) for every
//       file under root (bench/run.mjs); onNotFound(pathname) hears of each 404
//   sendFile(req, res, filePath, stat)  the answer itself, on node's req/res
//
// Answers: 200, 206 with `Content-Range: bytes a-b/size` for one range (`bytes=a-b`, `a-`,
// `-n`), 416 with `bytes */size` past the end; other Range forms get the whole file, as
// RFC 9110 allows. Always `Accept-Ranges: bytes` and `Cache-Control: no-store`, so every
// fetch really reaches the server. Query parameters switch on faults: see faults.mjs.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { browserOf, dropAfter, faultsOf, mayServeRange, throttle } from './faults.mjs';
import { generatedFile } from './long-mp4.mjs';
import { splicedFile } from './spliced.mjs';

/** The test runner's and dev server's own URLs. */
export const RUNNER_PATH = /^\/(__web-test-runner__|__web-dev-server__|__wds-)/;

// Extensions that plugins transform (or that the runner itself serves) are left to the
// dev server; anything else that exists on disk is served here.
const DEV_SERVER_EXT = new Set(['', '.ts', '.tsx', '.mts', '.js', '.mjs', '.cjs', '.jsx', '.html', '.htm', '.css', '.map']);

// for createRangeServer; the Koa middleware lets Koa pick the type from the extension
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.mp4': 'video/mp4',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
};

/** The file urlPath (percent-encoded) names inside base, or undefined when it would leave base. */
export function resolveInside(base, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const full = path.resolve(base, '.' + path.posix.normalize('/' + decoded));
  return full === base || full.startsWith(base + path.sep) ? full : undefined;
}

/** { start, end } (inclusive), 'unsatisfiable', or undefined for "ignore it, send the whole file". */
export function parseRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start;
  let end;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined; // invalid -> ignore
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** The fs.Stats of a regular file, else undefined. */
export async function statFile(filePath) {
  try {
    const stat = await fs.promises.stat(filePath);
    return stat.isFile() ? stat : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Answers a GET or HEAD for the file on node's req/res (Content-Type is the caller's). The
 * status line and headers are written before this returns, so that nothing a Koa middleware
 * sets on the way out can change them (see rangeMiddleware); the body follows as a stream.
 */
export function sendFile(req, res, filePath, stat) {
  let faults;
  try {
    faults = faultsOf(req.url);
  } catch (err) {
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end(err.message);
    return;
  }
  const size = stat.size;
  const total = faults?.lieSize ?? size;
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Last-Modified', stat.mtime.toUTCString());
  if (faults?.status) {
    if (faults.status === 416) res.setHeader('Content-Range', `bytes */${total}`);
    res.writeHead(faults.status, { 'Content-Length': 0 }).end();
    return;
  }

  const rangeHeader = req.headers.range;
  const ranges = !faults || (!faults.norange && (!faults.firstRangeOnly || mayServeRange(req.url, Boolean(rangeHeader), browserOf(req.headers['user-agent']))));
  if (ranges) res.setHeader('Accept-Ranges', 'bytes');
  const range = ranges && rangeHeader ? parseRange(rangeHeader, size) : undefined;
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'Content-Range': `bytes */${total}`, 'Content-Length': 0 }).end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = size === 0 ? 0 : end - start + 1;
  if (range) {
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${total}`, 'Content-Length': length });
  } else {
    res.writeHead(200, { 'Content-Length': faults?.lieSize ?? length });
  }
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }

  let body = fs.createReadStream(filePath, { start, end });
  if (faults?.throttle) body = throttle(body, faults.throttle, faults.link);
  if (faults?.dropAfter !== undefined) dropAfter(res, faults.dropAfter);
  body.on('error', () => res.destroy());
  res.on('close', () => body.destroy());
  body.pipe(res);
}

/** Koa middleware for the test runner's dev server (see the header). */
export function rangeMiddleware(root, { corpusDir = path.resolve(root, process.env.RERUN_VIDEO_CORPUS ?? '../shared/corpus') } = {}) {
  return async function staticRangeMiddleware(ctx, next) {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    let filePath;
    const isCorpus = ctx.path === '/corpus' || ctx.path.startsWith('/corpus/');
    if (isCorpus) {
      filePath = resolveInside(corpusDir, ctx.path.slice('/corpus'.length));
    } else if (ctx.path.startsWith('/generated/')) {
      filePath = generatedFile(path.join(root, 'test/fixtures/media'), ctx.path.slice('/generated/'.length));
    } else if (!DEV_SERVER_EXT.has(path.extname(ctx.path).toLowerCase()) && !RUNNER_PATH.test(ctx.path)) {
      filePath = resolveInside(root, ctx.path);
      if (filePath && !fs.existsSync(filePath)) filePath = splicedFile(filePath) ?? filePath;
    } else {
      return next();
    }
    const stat = filePath && (await statFile(filePath));
    if (!stat) {
      if (!isCorpus) return next();
      ctx.status = 404;
      ctx.body = `Not found in corpus (${corpusDir}): ${ctx.path}`;
      return undefined;
    }
    // We answer on the raw response, headers first. The test runner's cacheMiddleware, which
    // wraps this one, sets `Cache-Control: public, max-age=31536000` on the way out, and
    // Chromium then answers later (range) requests from its cache, unseen by request-log;
    // with the headers already written Koa ignores that set(), and no-store stays.
    ctx.respond = false;
    ctx.type = path.extname(filePath) || 'application/octet-stream';
    sendFile(ctx.req, ctx.res, filePath, stat);
    return undefined;
  };
}

/** A node:http server for every file under root (see the header); call listen() on it. */
export function createRangeServer(root, { onNotFound } = {}) {
  return http.createServer(async (req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end();
      const { pathname } = new URL(req.url, 'http://localhost');
      const filePath = resolveInside(root, pathname);
      const stat = filePath && (await statFile(filePath));
      if (!stat) {
        onNotFound?.(pathname);
        return void res.writeHead(404).end('not found');
      }
      res.setHeader('Content-Type', TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream');
      sendFile(req, res, filePath, stat);
    } catch (err) {
      if (res.headersSent) res.destroy();
      else res.writeHead(500).end(String(err));
    }
  });
}
