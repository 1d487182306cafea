// The requests the dev server received, for tests that count fetches and bytes:
// requestLogMiddleware (Koa, first in the config's middleware) records, requestLogPlugin()
// answers the `request-log` server command.
//
//   import { executeServerCommand } from '@web/test-runner-commands';
//   await executeServerCommand('request-log', { clear: true });        // returns log, then empties it
//   ... do things ...
//   const paths = (await executeServerCommand('request-log')) as string[]; // e.g. ['/test/fixtures/media/vp9.mp4']
//   await executeServerCommand('request-log', { match: '.mp4' });      // only requests whose URL contains '.mp4'
//   await executeServerCommand('request-log', { details: true });
//       // -> [{ method, path, url, range, status, bytes }] instead of plain paths
//
//   Payload (all optional): { clear?: boolean, match?: string, details?: boolean }.
//   path has no query, url (what `match` searches) has it, e.g. '/x.mp4?throttle=100000'.
//   range is the Range request header or undefined; status is set once the status line is
//   decided; bytes counts the body bytes handed to the socket so far (a throttled or dropped
//   response is counted as it goes; a copy of the entry is a snapshot).
//   The log is kept per browser (told apart by User-Agent): a command sees and clears only the
//   requests of the browser whose test sent it. The browsers may run side by side, each one
//   test file at a time (concurrency 1). Clear it at the start of a test: that also resets
//   `?first-range-only` (faults.mjs) for that browser. The test runner's own URLs
//   (/__web-test-runner__*, /__web-dev-server__*, /__wds-*) are not logged.

import { browserOf, browserOfSession, forgetFaultState } from './faults.mjs';
import { RUNNER_PATH } from './ranges.mjs';

let requestLog = [];

export async function requestLogMiddleware(ctx, next) {
  if (RUNNER_PATH.test(ctx.path)) return next();
  const entry = {
    browser: browserOf(ctx.get('user-agent')),
    method: ctx.method,
    path: ctx.path,
    url: ctx.url,
    range: ctx.get('range') || undefined,
    status: undefined,
    bytes: 0,
  };
  requestLog.push(entry);
  countBodyBytes(ctx.res, (n) => (entry.bytes += n));
  try {
    await next();
  } finally {
    entry.status = ctx.status;
  }
}

/**
 * Calls add(n) for the n body bytes of each write once the socket has taken them (a write
 * to a connection that is gone reports an error and counts nothing). Sits on the raw
 * response, under Koa and faults.mjs's dropAfter alike.
 */
function countBodyBytes(res, add) {
  const { write, end } = res;
  res.write = function (chunk, encoding, cb) {
    if (typeof encoding === 'function') [encoding, cb] = [undefined, encoding];
    const n = Buffer.byteLength(chunk, encoding);
    return write.call(this, chunk, encoding, (err) => {
      if (!err) add(n);
      cb?.(err);
    });
  };
  res.end = function (...args) {
    const [chunk, encoding] = args;
    if (chunk != null && typeof chunk !== 'function') {
      const n = Buffer.byteLength(chunk, typeof encoding === 'string' ? encoding : undefined);
      this.once('finish', () => add(n));
    }
    return end.apply(this, args);
  };
}

export function requestLogPlugin() {
  return {
    name: 'request-log',
    executeCommand({ command, payload, session }) {
      if (command !== 'request-log') return undefined;
      const { clear = false, match, details = false } = payload ?? {};
      const browser = browserOfSession(session);
      let entries = requestLog.filter((e) => e.browser === browser);
      if (typeof match === 'string') entries = entries.filter((e) => e.url.includes(match));
      if (clear) {
        requestLog = requestLog.filter((e) => e.browser !== browser);
        forgetFaultState(browser);
      }
      return details ? entries.map(({ browser: _, ...e }) => e) : entries.map((e) => e.path);
    },
  };
}
