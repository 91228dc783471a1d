/**
 * A real browser for end-to-end tests: Debian's Chromium (the `chromium` package, which .ci/run
 * installs) driven by playwright-core. Nothing is downloaded; a missing browser fails the test
 * with what to install, never skips it. Screenshots go to test-artifacts/ (kept, gitignored).
 */
import { accessSync, constants } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { REPO_ROOT } from './processes.js';

export const CHROMIUM_PATH = process.env.CUTOVER_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-artifacts');

export async function launchChromium(): Promise<Browser> {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: the browser tests need Debian's chromium package ` +
        '(apt-get install -y --no-install-recommends chromium; .ci/run installs it), or CUTOVER_CHROMIUM=/path/to/chromium.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // As root (CI), Chromium refuses to start with its sandbox; /dev/shm is small in containers.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    timeout: 60_000,
  });
}

/** Where a test artifact (a screenshot) goes; the folder is created. */
export async function artifactPath(name: string): Promise<string> {
  const dir = path.join(ARTIFACTS_DIR, 'dashboard');
  await mkdir(dir, { recursive: true });
  return path.join(dir, name);
}
