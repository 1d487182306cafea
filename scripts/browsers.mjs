// The Debian browsers the tests and the benchmark drive, and how they are launched here.
// Shared by scripts/launchers.mjs (web-test-runner) and bench/run.mjs.

export const CHROMIUM_BIN = '/usr/bin/chromium';
export const FIREFOX_BIN = '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER_BIN = '/usr/bin/WebKitWebDriver';
export const MINIBROWSER_BIN = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** No sandbox as root; no network calls the closed network refuses; media plays unprompted. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

export const FIREFOX_PREFS = {
  // allow autoplay, audible or not, without user gesture, in background too
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  'media.autoplay.block-webaudio': false,
  'media.block-autoplay-until-in-foreground': false,
  'media.autoplay.enabled.user-gestures-needed': false,
  // no throttling of timers / media in pages puppeteer thinks are in the background
  'dom.min_background_timeout_value': 4,
  'media.suspend-background-video.enabled': false,
  // no first-run noise, updates or telemetry
  'app.update.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.reportingpolicy.firstRun': false,
};
