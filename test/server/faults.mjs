// Faults a test can switch on per URL, with query parameters on any file that
// test/server/ranges.mjs serves (media, /corpus/, bench/media/), so that loading tests run
// against a real HTTP server that throttles, lacks ranges or misbehaves:
//
//   ?throttle=<bytes per second>  the body trickles out at that rate (small chunks on timers;
//                                 other requests are not held up)
//   ?link=<name>                  with throttle: every response whose URL names the same link
//                                 shares that rate, as requests over one slow connection do
//   ?norange                      Range headers ignored: always 200, the whole file, no Accept-Ranges
//   ?drop-after=<n>               the connection is closed after n body bytes of each response
//                                 (a body of at most n bytes completes normally)
//   ?status=<code>                every request answered with that status (200-599) and an empty body;
//                                 416 also carries `Content-Range: bytes */<size>`
//   ?lie-size=<n>                 n claimed as the total size: Content-Range `bytes a-b/<n>` and `*/<n>`,
//                                 Content-Length <n> on a 200; the real bytes are sent all the same
//   ?first-range-only             only the first request with a Range header per URL (full URL,
//                                 query included) gets its 206; later ones get 200 and the whole
//                                 file, without Accept-Ranges (a server that changes its mind).
//                                 `request-log` with { clear: true } forgets which URLs had theirs.
//
// Parameters combine (e.g. ?throttle=200000&drop-after=100000); a bad value is answered with
// 400 and the reason. A URL without any of them is served exactly as before. They apply only
// to files that exist (else the usual 404), and in the test runner not to the types the dev
// server serves itself (.js, .ts, .html, ...). In a browser test:
//
//   el.src = '/test/fixtures/media/vp9.mp4?throttle=50000&drop-after=40000';
//   const log = await executeServerCommand('request-log', { match: 'vp9.mp4?', details: true });
//   // [{ method: 'GET', path: '/test/fixtures/media/vp9.mp4',
//   //    url: '/test/fixtures/media/vp9.mp4?throttle=50000&drop-after=40000',
//   //    range: 'bytes=0-65535', status: 206, bytes: 40000 }, ...]
//
// node test/server/check-server.mjs tries every parameter against both servers.

import { Transform, pipeline } from 'node:stream';

const PARAMS = ['throttle', 'link', 'norange', 'drop-after', 'status', 'lie-size', 'first-range-only'];

/**
 * The faults a request URL (path and query) asks for, or null when it asks for none.
 * Throws an Error whose message suits a 400 answer when a value is unusable.
 */
export function faultsOf(url) {
  const query = new URL(url, 'http://localhost').searchParams;
  if (!PARAMS.some((p) => query.has(p))) return null;
  const int = (name, min, max = Number.MAX_SAFE_INTEGER) => {
    if (!query.has(name)) return undefined;
    const value = Number(query.get(name));
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`fault parameter ${name}=${query.get(name)}: want an integer from ${min} to ${max}`);
    }
    return value;
  };
  return {
    throttle: int('throttle', 1),
    link: query.get('link') ?? undefined,
    norange: query.has('norange'),
    dropAfter: int('drop-after', 0),
    status: int('status', 200, 599),
    lieSize: int('lie-size', 0),
    firstRangeOnly: query.has('first-range-only'),
  };
}

/**
 * Which browser made a request, from its User-Agent: the browsers may run side by side (one test
 * file at a time in each), so state kept across requests is kept per browser.
 */
export function browserOf(userAgent = '') {
  if (/Firefox\//.test(userAgent)) return 'firefox';
  if (/Chrome\//.test(userAgent)) return 'chromium';
  return 'webkit';
}

/** The browser of a test session (a launcher's name: Chromium, Firefox, WebKit). */
export function browserOfSession(session) {
  const name = String(session?.browser?.name ?? '').toLowerCase();
  if (name.includes('firefox')) return 'firefox';
  if (name.includes('chrom')) return 'chromium';
  return 'webkit';
}

/** `${browser} ${url}` of the URLs whose one range is used up. */
const rangedUrls = new Set();

/** first-range-only: may this request still get a range? A request with a Range header uses it up. */
export function mayServeRange(url, hasRange, browser) {
  const key = `${browser} ${url}`;
  if (rangedUrls.has(key)) return false;
  if (hasRange) rangedUrls.add(key);
  return true;
}

/** Forgets `browser`'s state (first-range-only). */
export function forgetFaultState(browser) {
  for (const key of rangedUrls) if (key.startsWith(`${browser} `)) rangedUrls.delete(key);
}

/** Per link name: when it is next free to send (performance.now() ms). */
const links = new Map();

/**
 * The bytes of `source` at `bytesPerSecond`, in pieces of about 1/20 s each. With a `link`
 * name, the responses on that link take turns at the rate: each piece waits for its slot.
 */
export function throttle(source, bytesPerSecond, link) {
  const step = Math.max(1, Math.min(16 * 1024, Math.floor(bytesPerSecond / 20)));
  const t0 = performance.now();
  let sent = 0;
  let timer;
  // When a piece may go: against the start (or the link's schedule), not the previous piece,
  // so timer lateness does not add up.
  const slot = (length) => {
    if (link === undefined) return t0 + (sent / bytesPerSecond) * 1000;
    const at = Math.max(performance.now(), links.get(link) ?? 0);
    links.set(link, at + (length / bytesPerSecond) * 1000);
    return at;
  };
  const paced = new Transform({
    transform(chunk, _encoding, done) {
      let i = 0;
      const next = () => {
        if (i >= chunk.length) return done();
        const piece = chunk.subarray(i, (i += step));
        const wait = slot(piece.length) - performance.now();
        timer = setTimeout(() => {
          sent += piece.length;
          this.push(piece);
          next();
        }, Math.max(0, wait));
      };
      next();
    },
    destroy(err, cb) {
      clearTimeout(timer);
      cb(err);
    },
  });
  return pipeline(source, paced, () => {});
}

/**
 * Lets `res` (a node:http ServerResponse fed by a piped stream) send at most `limit` body
 * bytes, then closes its connection. The close waits until those bytes are out: a socket
 * destroyed at once would throw away what it still buffers, and the client would get fewer.
 */
export function dropAfter(res, limit) {
  let left = limit;
  const { write, end } = res;
  res.write = function (chunk, encoding, cb) {
    // after the drop: false stops the pipe, which is torn down when the response closes
    if (left < 0) return false;
    if (chunk.length <= left) {
      left -= chunk.length;
      return write.call(this, chunk, encoding, cb);
    }
    const socket = this.socket;
    write.call(this, chunk.subarray(0, left), () => socket?.destroy());
    left = -1;
    return false;
  };
  res.end = function (...args) {
    return left < 0 ? this : end.apply(this, args);
  };
}
