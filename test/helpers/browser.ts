// Debian's chromium, headless, driven through playwright-core (the library only: no
// browser is downloaded). A fresh profile directory each time, and every switch
// that would make the browser talk to the network on its own turned off, so a
// request the page makes is one the page asked for.
import { chromium, type BrowserContext } from 'playwright-core';
import { CHROMIUM } from './requires.js';
import { tempDir } from './temp.js';

export async function headlessChromium(viewport = { width: 1400, height: 1000 }): Promise<BrowserContext> {
  if (!CHROMIUM) throw new Error('chromium is not installed');
  return chromium.launchPersistentContext(tempDir('knobs-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
