import { existsSync } from 'node:fs';

/**
 * The brief as PDF, printed by Chromium (the same Debian Chromium the end-to-end tests drive)
 * through playwright-core's `page.pdf()`. Chromium lays out the same HTML and inline SVG a reader
 * sees in a browser, so the PDF and the HTML never disagree; a PDF library would mean a second
 * renderer for the charts and tables. The page loads nothing: JavaScript off, offline, and every
 * request but `data:` aborted.
 */

/** Chromium was not found (or the configured path does not exist); the message says what to do. */
export class ChromiumNotFoundError extends Error {
  override readonly name = 'ChromiumNotFoundError';
}

const COMMON_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/lib/chromium/chromium',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
];

/** `$GATEHOUSE_CHROMIUM` when set (it must exist), else the first common install path that exists. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.GATEHOUSE_CHROMIUM?.trim();
  if (configured) {
    if (existsSync(configured)) return configured;
    throw new ChromiumNotFoundError(
      `GATEHOUSE_CHROMIUM is set to ${configured}, which does not exist. Fix it, or ask for the HTML brief (--format html, or format=html).`,
    );
  }
  const found = COMMON_PATHS.find((p) => existsSync(p));
  if (found) return found;
  throw new ChromiumNotFoundError(
    'A PDF needs Chromium or Chrome, and none was found (set GATEHOUSE_CHROMIUM to its path, or install it: apt-get install chromium). ' +
      'The HTML brief needs nothing: ask for --format html (or format=html) and print it from any browser.',
  );
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const FOOTER = `<div style="width:100%;font-size:8px;color:#6b7280;padding:0 13mm;display:flex;justify-content:space-between;font-family:system-ui,sans-serif">
<span>Gatehouse executive brief</span><span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>`;

let queue: Promise<unknown> = Promise.resolve();

/** Prints self-contained HTML to an A4 PDF. One print at a time per process (Chromium is heavy). */
export function htmlToPdf(html: string, o: { chromium?: string; timeoutMs?: number } = {}): Promise<Buffer> {
  const run = async (): Promise<Buffer> => {
    const executablePath = o.chromium ?? findChromium();
    const { chromium } = await import('playwright-core');
    const timeout = o.timeoutMs ?? 60_000;
    const browser = await chromium.launch({ executablePath, headless: true, args: FLAGS, timeout });
    try {
      const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
      const page = await context.newPage();
      page.setDefaultTimeout(timeout);
      await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
      await page.setContent(html, { waitUntil: 'load' });
      await page.emulateMedia({ media: 'print' });
      return await page.pdf({
        format: 'A4',
        printBackground: true,
        displayHeaderFooter: true,
        headerTemplate: '<span></span>',
        footerTemplate: FOOTER,
        margin: { top: '14mm', bottom: '16mm', left: '13mm', right: '13mm' },
      });
    } finally {
      await browser.close().catch(() => undefined);
    }
  };
  const p = queue.then(run, run);
  queue = p.catch(() => undefined);
  return p;
}
