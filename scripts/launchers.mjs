// The @web/test-runner launchers for Chromium, Firefox and WebKit (web-test-runner.config.mjs);
// the binaries and their flags are in scripts/browsers.mjs.
//
//   await launchers(process.env.BROWSERS)   'chromium,firefox,webkit' (the default when unset);
//                                           aliases chrome, ff, minibrowser, safari

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { chromeLauncher } from '@web/test-runner-chrome';
import { puppeteerLauncher } from '@web/test-runner-puppeteer';
import { webdriverLauncher } from '@web/test-runner-webdriver';

import {
  CHROMIUM_ARGS,
  CHROMIUM_BIN,
  FIREFOX_BIN,
  FIREFOX_PREFS,
  MINIBROWSER_BIN,
  WEBKIT_DRIVER_BIN,
} from './browsers.mjs';

const ALL_BROWSERS = ['chromium', 'firefox', 'webkit'];
const ALIASES = { chrome: 'chromium', ff: 'firefox', minibrowser: 'webkit', safari: 'webkit' };

// ---------------------------------------------------------------------------
// Chromium: puppeteer-core (through @web/test-runner-chrome) + Debian chromium
// ---------------------------------------------------------------------------

function chromium() {
  const launcher = chromeLauncher({
    launchOptions: {
      executablePath: CHROMIUM_BIN,
      headless: true,
      args: CHROMIUM_ARGS,
    },
    // A page opened as a new *window*, not a background tab: background tabs never
    // load media. CreatePageOptions.type exists in puppeteer-core 24.43, the one copy
    // @web/test-runner-chrome shares with the top level. In new-headless
    // mode plain tabs also report visibilityState 'visible'; this is belt and braces.
    createPage: ({ context }) => context.newPage({ type: 'window' }),
  });
  launcher.name = 'Chromium';
  return launcher;
}

// ---------------------------------------------------------------------------
// Firefox: puppeteer (WebDriver BiDi) + Debian firefox-esr
// ---------------------------------------------------------------------------

function firefox() {
  return puppeteerLauncher({
    launchOptions: {
      browser: 'firefox',
      executablePath: FIREFOX_BIN,
      headless: true,
      extraPrefsFirefox: FIREFOX_PREFS,
    },
  });
}

// ---------------------------------------------------------------------------
// WebKit: WebKitGTK MiniBrowser driven by WebKitWebDriver (started here) + webdriverio.
// MiniBrowser (GTK port, 2.50) has no --headless flag ("Unknown option"): the runner must
// run under `xvfb-run -a`. There is no page console over WebDriver, but test console
// output still shows up: web-test-runner captures console.* inside the page itself.
// MiniBrowser's own stderr (GStreamer/ALSA noise) goes to the driver log file.
// ---------------------------------------------------------------------------

function findFreePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForDriver(port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`WebKitWebDriver exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/status`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`WebKitWebDriver did not answer on port ${port} within ${timeoutMs} ms`);
}

async function startWebKitDriver() {
  for (const bin of [WEBKIT_DRIVER_BIN, MINIBROWSER_BIN]) {
    if (!fs.existsSync(bin)) {
      throw new Error(`${bin} is missing: run scripts/ensure-browsers.sh (Debian: webkit2gtk-driver)`);
    }
  }
  if (!process.env.DISPLAY) {
    throw new Error('WebKit (MiniBrowser) needs an X display: run the tests under `xvfb-run -a`');
  }
  const port = await findFreePort();
  const logFile = path.join(os.tmpdir(), `rerun-video-webkitwebdriver-${port}.log`);
  const logFd = fs.openSync(logFile, 'w');
  // The driver runs behind a tiny shell guard, in a process group of its own, that
  // kills the whole group (driver, MiniBrowser and its web/network processes) as soon
  // as our stdin pipe closes, i.e. when this node process exits for whatever reason,
  // even SIGKILL. The driver's and MiniBrowser's output go to logFile, never to stdout.
  const child = spawn(
    'sh',
    ['-c', '"$0" --port="$1" --host=local & cat >/dev/null; trap "" TERM; kill -TERM 0', WEBKIT_DRIVER_BIN, String(port)],
    { stdio: ['pipe', logFd, logFd], detached: true },
  );
  child.unref();
  child.stdin.unref?.();
  fs.closeSync(logFd);
  const stop = () => {
    try {
      child.stdin.destroy();
    } catch {
      // already gone
    }
  };
  process.once('exit', code => {
    stop();
    // keep the driver/MiniBrowser log only when something failed
    if (code === 0) fs.rmSync(logFile, { force: true });
  });
  for (const sig of ['SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      stop();
      process.kill(process.pid, sig);
    });
  }
  await waitForDriver(port, child, 15000).catch(err => {
    stop();
    throw new Error(`${err.message} (log: ${logFile})`);
  });
  return port;
}

async function webkit() {
  const port = await startWebKitDriver();
  const launcher = webdriverLauncher({
    hostname: '127.0.0.1',
    port,
    path: '/',
    logLevel: 'error',
    connectionRetryTimeout: 120000,
    connectionRetryCount: 1,
    capabilities: {
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': {
        binary: MINIBROWSER_BIN,
        args: ['--automation', '--autoplay-policy=allow'],
      },
      // webdriverio 9 asks for a BiDi session by default; WebKitWebDriver refuses it
      'wdio:enforceWebDriverClassic': true,
    },
  });
  // the label would otherwise be the capability's browserName, "MiniBrowser"
  const initialize = launcher.initialize.bind(launcher);
  launcher.initialize = async (...args) => {
    await initialize(...args);
    launcher.name = 'WebKit';
  };
  return launcher;
}

/** Launchers for a comma- or space-separated list of browser names, in that order. */
export async function launchers(list = ALL_BROWSERS.join(',')) {
  const selected = list
    .split(/[\s,]+/)
    .map(s => s.trim().toLowerCase())
    .filter(Boolean)
    .map(s => ALIASES[s] ?? s);
  for (const name of selected) {
    if (!ALL_BROWSERS.includes(name)) {
      throw new Error(`BROWSERS: unknown browser "${name}" (known: ${ALL_BROWSERS.join(', ')})`);
    }
  }
  if (selected.length === 0) throw new Error('BROWSERS is empty');
  const browsers = [];
  for (const name of selected) {
    if (name === 'chromium') browsers.push(chromium());
    if (name === 'firefox') browsers.push(firefox());
    if (name === 'webkit') browsers.push(await webkit());
  }
  return browsers;
}
