/**
 * Debian's Chromium driven by playwright-core: the real browser the UI tests use (installed by
 * `.ci/run`; playwright's own browser downloads are unreachable here). VIREL_CHROMIUM overrides
 * the executable.
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.VIREL_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that keep a headless Chromium from reaching the internet on its own. */
const QUIET_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: QUIET_FLAGS, headless: true });
}
