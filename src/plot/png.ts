/**
 * PNG snapshots of figure pages, rendered in Debian's headless Chromium through playwright-core
 * (never a downloaded browser). Both are optional: playwright-core is an optional peer dependency
 * of the package. Where either is missing, say so and how to install it; the caller still has its
 * HTML and CSV.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { writeFileAtomic } from '../io/atomic.ts';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/**
 * The outcome of {@link renderPng}: the PNG written, or why not (no Chromium, no playwright-core, a
 * browser failure).
 */
export type PngResult = { ok: true; file: string } | { ok: false; reason: string };

/**
 * Render a figure page (from {@link writeFigureHtml}) to a PNG with headless Chromium (playwright-core,
 * an optional peer dependency; Chromium from CHROMIUM_PATH, default /usr/bin/chromium). Never throws for
 * a missing browser: the result says why no PNG was written.
 *
 * @param htmlFile - the page to render; `pngFile` - where to write the PNG.
 */
export async function renderPng(htmlFile: string, pngFile: string): Promise<PngResult> {
  const exe = chromiumPath();
  if (!existsSync(exe)) {
    return { ok: false, reason: `Chromium not found at ${exe}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH); the HTML and CSV were written` };
  }
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    return { ok: false, reason: 'the optional dependency playwright-core is not installed: `npm install playwright-core` to render PNGs (it drives Debian\'s Chromium; no browser is downloaded); the HTML and CSV were written' };
  }
  // A browser that fails to start or to draw (a crash, a launch timeout on a loaded machine) costs
  // the PNG, not the result: the HTML and CSV are complete without it.
  let browser: Awaited<ReturnType<typeof chromium.launch>>;
  try {
    // (playwright's own signal handlers would close the browser and let the command carry on without
    // its PNG: SIGINT/SIGTERM/SIGHUP stop the command instead — the CLI's whileWaiting, src/io/interrupt.ts —
    // and the browser is killed with the process by playwright's exit handler)
    browser = await chromium.launch({ executablePath: exe, args: CHROMIUM_FLAGS, headless: true, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
  } catch (e) {
    return { ok: false, reason: `Chromium did not start (${(e as Error).message.split('\n')[0]}); the HTML and CSV were written` };
  }
  try {
    const page = await browser.newPage({ viewport: { width: 1260, height: 700 }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(htmlFile).href);
    await page.waitForFunction(() => document.body.dataset.ready === '1', undefined, { timeout: 60_000 });
    if (errors.length) return { ok: false, reason: `page errors: ${errors.join('; ')}` };
    const png = await page.screenshot({ fullPage: true });
    writeFileAtomic(pngFile, png);
    return { ok: true, file: pngFile };
  } catch (e) {
    // a file-system failure writing the PNG is the caller's to report (a full disk: nothing is kept)
    if (typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).syscall) throw e;
    return { ok: false, reason: `Chromium failed to render the page (${(e as Error).message.split('\n')[0]}); the HTML and CSV were written` };
  } finally {
    await browser.close().catch(() => {});
  }
}
