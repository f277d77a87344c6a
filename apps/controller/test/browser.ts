import sparticuzChromium from '@sparticuz/chromium';
import { Browser, chromium } from 'playwright-core';

/** Quiet: without the background-networking flags Chromium keeps calling home during the tests. */
const QUIET_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * `CHROMIUM_EXECUTABLE_PATH` when set (a system Chromium), else the one that `@sparticuz/chromium` ships inside
 * its npm package, so that `npm ci && npm test` needs no browser installed by hand.
 */
export async function chromiumExecutablePath(): Promise<string> {
  const configured = process.env.CHROMIUM_EXECUTABLE_PATH;
  if (configured) return configured;
  return sparticuzChromium.executablePath();
}

/** A headless Chromium for the dashboard's browser tests; the caller closes it. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumExecutablePath(),
    args: QUIET_ARGS,
    // The dashboard formats with Intl: under LANG=C.UTF-8 this Chromium's locale is en-US@posix, which Intl refuses.
    env: { ...process.env, LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' },
  });
}
