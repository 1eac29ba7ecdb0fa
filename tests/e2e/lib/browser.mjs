// Debian's chromium, headless, driven by playwright-core. Collects console errors and page
// errors per page, and saves screenshots under the build directory's artifacts folder.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const CHROMIUM = process.env.VMSG_CHROMIUM || '/usr/bin/chromium';

export function artifactsDir() {
  const dir = process.env.VMSG_E2E_ARTIFACTS || join(process.cwd(), 'e2e-artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function launch(extraArgs = []) {
  const args = ['--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required', ...extraArgs];
  // Chromium's sandbox cannot start as root (containers, CI).
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

// A page with its problems recorded: page.problems lists console errors and uncaught errors.
// `init` lists [script, arg] pairs run in the page before its own scripts (addInitScript).
export async function openPage(browser, url, { viewport = { width: 390, height: 844 }, locale = 'ja-JP', init = [] } = {}) {
  const context = await browser.newContext({ viewport, locale, acceptDownloads: true });
  for (const [script, arg] of init) await context.addInitScript(script, arg);
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') page.problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.message}`));
  page.setDefaultTimeout(30000);
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

export async function screenshot(page, name) {
  const path = join(artifactsDir(), `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
