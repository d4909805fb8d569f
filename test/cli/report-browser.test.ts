// The HTML fleet report in a real browser (Debian's chromium, headless): it loads
// with no console message and no request beyond its own file, its inline script runs
// under the page's own Content-Security-Policy, and a screenshot of a 50-host report
// shows the matrix — checked on the PNG's pixels, not on the DOM.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rules } from '../../rules/index.js';
import { headlessChromium } from '../helpers/browser.js';
import { knobs } from '../helpers/cli.js';
import { generateFleet, writeFleet } from '../helpers/fleet.js';
import { requires } from '../helpers/requires.js';
import { tempDir } from '../helpers/temp.js';

const R = requires('chromium');

describe.skipIf(R.skip)(R.title('the HTML report in headless chromium'), () => {
  const fleet = generateFleet(50);
  let dir: string;
  let browser: BrowserContext;
  let page: Page;
  const messages: string[] = [];

  beforeAll(async () => {
    dir = tempDir('knobs-report-html-');
    writeFleet(path.join(dir, 'hosts'), fleet);
    const r = knobs(['report', path.join(dir, 'hosts'), '--html', path.join(dir, 'fleet.html')]);
    expect(r.code, r.stderr).toBe(0);
    browser = await headlessChromium();
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('console', (m) => messages.push(`console ${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => messages.push(`page error: ${e.message}`));
    page.on('request', (req) => {
      if (req.url() !== pathToFileURL(path.join(dir, 'fleet.html')).href) messages.push(`request: ${req.url()}`);
    });
    await page.goto(pathToFileURL(path.join(dir, 'fleet.html')).href, { waitUntil: 'load' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('loads with no console message, no script error and no request of its own', async () => {
    expect(await page.title()).toBe('knobs fleet report — 50 hosts');
    expect(messages).toEqual([]);
  });

  it('the matrix has a row per host and a cell per rule, coloured as the report says', async () => {
    expect(await page.locator('#matrix tbody tr').count()).toBe(50);
    expect(await page.locator('#matrix thead th.rule').count()).toBe(rules.length);
    expect(await page.locator('#matrix tbody td.c').count()).toBe(50 * rules.length);
    const doc = knobs(['report', path.join(dir, 'hosts'), '--json']).json();
    const critical = doc.hosts.filter((h: { worst: string }) => h.worst === 'critical').length;
    const cells = await page.locator('#matrix tbody tr:first-child td.c.critical').count();
    expect(critical).toBeGreaterThan(0);
    expect(cells).toBeGreaterThan(0); // worst host first
  });

  it('a screenshot of the page shows the matrix: the critical cell is red in the PNG, a passing one green', async () => {
    const png = path.join(dir, 'fleet.png');
    await page.screenshot({ path: png, fullPage: true });
    expect(fs.statSync(png).size).toBeGreaterThan(20_000);
    const box = async (sel: string) => {
      const b = (await page.locator(sel).first().boundingBox())!;
      const scroll = await page.evaluate(() => ({ x: window.scrollX, y: window.scrollY }));
      return { x: Math.round(b.x + scroll.x + b.width / 2), y: Math.round(b.y + scroll.y + b.height / 2) };
    };
    const red = await box('#matrix tbody tr:first-child td.c.critical i');
    const green = await box('#matrix tbody td.c.pass i');
    const last = await box('#matrix tbody tr:last-child th');
    // Decode the PNG in a second page, as an image, and read the pixels where the cells are.
    const viewer = await browser.newPage();
    const dataUrl = `data:image/png;base64,${fs.readFileSync(png).toString('base64')}`;
    const pixels = await viewer.evaluate(
      async ({ url, points }) => {
        const img = new Image();
        img.src = url;
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.width;
        canvas.height = img.height;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        return { size: [img.width, img.height], at: points.map((p) => Array.from(ctx.getImageData(p.x, p.y, 1, 1).data.slice(0, 3))) };
      },
      { url: dataUrl, points: [red, green] },
    );
    await viewer.close();
    // The whole matrix is in the picture, down to the last host.
    expect(pixels.size[1]).toBeGreaterThan(last.y);
    const [r1, g1, b1] = pixels.at[0]!;
    expect(r1! > 150 && g1! < 90 && b1! < 90, `critical cell ${pixels.at[0]}`).toBe(true);
    const [r2, g2, b2] = pixels.at[1]!;
    expect(g2! > r2! && g2! > b2! && g2! > 180, `passing cell ${pixels.at[1]}`).toBe(true);
  });

  it('the filter and the sort work (the inline script is allowed by the page CSP and runs)', async () => {
    await page.fill('#filter', 'lb');
    const lb = fleet.filter((h) => h.name.startsWith('lb')).length;
    expect(await page.locator('#matrix tbody tr:not([hidden])').count()).toBe(lb);
    expect(await page.locator('#shown').textContent()).toBe(`${lb} of 50 hosts`);
    await page.fill('#filter', '');
    await page.click('#sort');
    const names = await page.locator('#matrix tbody tr th').allTextContents();
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })));
    expect(messages).toEqual([]);
  });
});
