import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BrowserContext, BrowserContextOptions, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it when missing): no browser is downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

export interface HeadlessBrowser {
  /** A temp dir of the test's own, for screenshots; removed by close() unless KEEP_SCREENSHOTS is set. */
  dir: string;
  context(opts?: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh user-data dir per context, and nothing that reaches out to the network by itself. */
export async function headlessChromium(label: string): Promise<HeadlessBrowser> {
  const dir = mkdtempSync(path.join(tmpdir(), `mirror-${label}-`));
  const contexts: BrowserContext[] = [];
  return {
    dir,
    async context(opts = {}) {
      const context = await chromium.launchPersistentContext(mkdtempSync(path.join(dir, 'profile-')), {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
        viewport: { width: 1360, height: 860 },
        ...opts,
      });
      contexts.push(context);
      return context;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      if (!process.env.KEEP_SCREENSHOTS) rmSync(dir, { recursive: true, force: true });
    },
  };
}
