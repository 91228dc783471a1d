/**
 * The web dashboard end to end, in Debian's Chromium driven by playwright-core, against a real
 * api + workers and two real agents: sign in with the admin token, watch a deployment started
 * through the API fill its timeline in live until Succeeded (no reload), open a script log from
 * the keyboard, then stop a second deployment from the UI and see it end Stopped. Roles, each in a
 * tab of its own: a viewer token sees "default · viewer" and no actions; another account's token
 * sees none of this one's deployments, and a viewer grant's 403 is shown as the API words it.
 * Screenshots of the list and the detail page are kept under test-artifacts/dashboard/.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { TestSystem } from '../helpers/system.js';
import { RestClient } from '../helpers/rest-client.js';
import { makeBundle } from '../helpers/bundles.js';
import { until } from '../helpers/processes.js';
import { artifactPath, launchChromium } from '../helpers/browser.js';
import { buildDashboard } from '../../api/dashboard-build.js';
import { bundleSizes } from '../../scripts/build-web.js';

const APP = 'dash';
/** expect.poll waits 1 s by default: too short on a busy two-core CI machine. */
const POLL = { timeout: 20_000, interval: 100 };
const HOSTS = ['dash-1', 'dash-2'];
let sys: TestSystem;
let browser: Browser;
let page: Page;
/** Every page load: the dashboard must update without one after sign-in. */
let loads = 0;
const pageErrors: string[] = [];

beforeAll(async () => {
  // The browser first: without one, fail at once and say what to install.
  browser = await launchChromium();
  sys = await TestSystem.start({ label: 'dashboard' });
  await Promise.all(HOSTS.map((name) => sys.startAgent(name, { app: APP })));
  await sys.rest.createApplication(APP);
  await sys.rest.createGroup(APP, 'web', 'CodeDeployDefault.OneAtATime', { app: APP });
  await sys.rest.createGroup(APP, 'slow', 'CodeDeployDefault.OneAtATime', { app: APP });

  // The api builds the dashboard on the first request for it (a few seconds): time it apart.
  const started = Date.now();
  const first = await fetch(`${sys.apiUrl}/`);
  expect(first.status).toBe(200);
  console.log(`dashboard: first GET / (build included) took ${Date.now() - started} ms`);

  page = await newTab();
  page.on('load', () => loads++);
});

afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

/** A tab with its own sessionStorage (so its own sign-in); its script and CSP errors go to pageErrors. */
async function newTab(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const tab = await context.newPage();
  tab.setDefaultTimeout(30_000);
  tab.on('pageerror', (err) => pageErrors.push(err.message));
  tab.on('console', (msg) => {
    if (msg.text().includes('Content Security Policy')) pageErrors.push(msg.text());
  });
  return tab;
}

/** Sign in on the form and wait for the deployments page. */
async function signIn(tab: Page, token: string): Promise<void> {
  await tab.goto(`${sys.apiUrl}/`);
  await tab.getByLabel('API token').fill(token);
  await tab.getByRole('button', { name: 'Sign in' }).click();
  await tab.getByRole('heading', { name: 'Deployments', level: 1 }).waitFor();
}

/** The header's account and role, as a screen reader hears them (the "·" between them is hidden from it). */
async function signedInAs(tab: Page): Promise<string> {
  const whoami = tab.getByRole('banner').locator('.whoami[data-role]');
  await whoami.waitFor();
  return whoami.ariaSnapshot();
}

function printLogsOnFailure(): void {
  onTestFailed(() => console.error(sys.logs()));
}

/** The statuses every timeline segment shows now, as `host/event=Status`. */
async function segmentStatuses(): Promise<string[]> {
  return page.$$eval('.lane', (lanes) =>
    lanes.flatMap((lane) =>
      [...lane.querySelectorAll<HTMLElement>('.segment')].map((s) => `${(lane as HTMLElement).dataset.instance}/${s.dataset.event}=${s.dataset.status}`),
    ),
  );
}

/** The page's width, and the elements that stick out past `width` (for the failure message). */
async function widthAt(width: number): Promise<{ scrollWidth: number; wider: string[] }> {
  return page.evaluate((w) => {
    const wider = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((e) => e.getBoundingClientRect().right > w + 1 || e.scrollWidth > e.clientWidth + 1)
      .slice(0, 8)
      .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} (${Math.round(e.getBoundingClientRect().right)} px)`);
    return { scrollWidth: document.documentElement.scrollWidth, wider };
  }, width);
}

describe('web dashboard', () => {
  it('is served at / with a strict CSP, keeps the API\'s 404s, and its bundle is small', async () => {
    const res = await fetch(`${sys.apiUrl}/`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    expect(html).toContain('<div id="app">');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const asset = await fetch(`${sys.apiUrl}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const missing = await fetch(`${sys.apiUrl}/no-such-page`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('ResourceNotFoundException');

    const { dir } = await buildDashboard();
    const gzipped = (await bundleSizes(dir)).reduce((sum, f) => sum + f.gzipped, 0);
    console.log(`dashboard: bundle ${(gzipped / 1024).toFixed(1)} KB gzipped`);
    expect(gzipped).toBeLessThan(200 * 1024);
  });

  it('signs in, follows a deployment live until Succeeded, and opens a script log', async () => {
    printLogsOnFailure();
    const started = Date.now();
    await page.goto(`${sys.apiUrl}/`);
    const token = page.getByLabel('API token');
    await token.fill('not-a-real-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), POLL).toContain('not valid');
    await token.fill(sys.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Deployments', level: 1 }).waitFor();
    // The token lives in sessionStorage, never in the URL.
    expect(page.url()).not.toContain(sys.adminToken);
    expect(await page.evaluate(() => sessionStorage.getItem('cutover.token'))).toBe(sys.adminToken);
    expect(await signedInAs(page)).toContain('Signed in to account default as admin');
    await page.locator('[data-live="open"]').waitFor();
    const loadsAfterSignIn = loads;

    const bundle = await makeBundle({
      hooks: {
        BeforeInstall: { script: 'sleep 0.5' },
        AfterInstall: { script: 'echo "hello from AfterInstall on $HOST_LABEL"\nsleep 2' },
        ApplicationStart: { script: 'sleep 0.5' },
        ValidateService: { script: 'echo validated' },
      },
    });
    const id = await sys.rest.deploy(APP, 'web', await sys.rest.upload(APP, bundle));

    // The list shows it without a reload (the global event stream), then its detail page.
    const row = page.locator(`tr[data-deployment="${id}"]`);
    await row.waitFor();
    await page.screenshot({ path: await artifactPath('list.png'), fullPage: true });
    await row.getByRole('link', { name: id }).click();
    await page.getByRole('heading', { name: new RegExp(`Deployment ${id}`) }).waitFor();
    // The title follows the page once it has rendered (an effect), so poll it rather than read it once.
    await expect.poll(() => page.title(), POLL).toBe(`Deployment ${id} · Cutover`);

    // Watch the timeline fill in: every status each segment shows on the way is recorded.
    const seen = new Set<string>();
    await until(
      `the dashboard to show ${id} Succeeded`,
      async () => {
        for (const s of await segmentStatuses()) seen.add(s);
        return (await page.locator('h1 [data-status]').getAttribute('data-status')) === 'Succeeded' ? true : undefined;
      },
      90_000,
      100,
    );
    const final = await segmentStatuses();
    for (const s of await segmentStatuses()) seen.add(s);
    console.log(`dashboard: ${id} Succeeded in the browser ${Date.now() - started} ms after sign-in began; ${seen.size} segment states seen`);

    // Both lanes, every event done, and the page saw them running first: it was live.
    expect(final.filter((s) => s.endsWith('=Succeeded')).length).toBeGreaterThanOrEqual(HOSTS.length * 5);
    expect(final.every((s) => /=(Succeeded|Skipped)$/.test(s)), final.join(' ')).toBe(true);
    for (const host of HOSTS) expect(final.some((s) => s.startsWith(`${host}/AfterInstall=`))).toBe(true);
    expect([...seen].some((s) => s.endsWith('=InProgress') || s.endsWith('=Pending')), [...seen].join(' ')).toBe(true);
    expect(loads, 'no page load since sign-in').toBe(loadsAfterSignIn);
    // Status is text, not colour alone.
    await expect.poll(() => page.locator('.lane[data-instance="dash-1"] .segment[data-event="Install"] .seg-status').textContent(), POLL).toContain('Succeeded');
    await expect.poll(() => page.locator('[data-count="Succeeded"] dd').textContent(), POLL).toBe(String(HOSTS.length));

    // The fresh read after the last event: the end time, and every lane's time bar.
    await page.locator('[data-complete-time]:not([data-complete-time=""])').waitFor();
    expect(await page.locator('.lane .timebar-event').count()).toBeGreaterThanOrEqual(HOSTS.length * 5);

    // Hover shows times; the keyboard opens a script log (focus ApplicationStart, step left, Enter).
    const install = page.locator('.lane[data-instance="dash-1"] .segment[data-event="Install"]');
    await install.hover();
    await expect.poll(() => page.getByRole('tooltip').textContent(), POLL).toContain('Started');
    await page.screenshot({ path: await artifactPath('detail.png'), fullPage: true });
    await page.locator('.lane[data-instance="dash-1"] .segment[data-event="ApplicationStart"]').focus();
    await page.keyboard.press('ArrowLeft');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.event)).toBe('AfterInstall');
    await page.keyboard.press('Enter');
    const log = page.locator('#log-panel');
    await log.getByRole('heading', { name: /dash-1 · AfterInstall/ }).waitFor();
    await expect.poll(() => log.locator('pre').textContent(), POLL).toContain('hello from AfterInstall on dash-1');
    await log.locator('[data-log-state="ended"]').waitFor();
    await page.screenshot({ path: await artifactPath('log.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('stops a running deployment from the UI and shows it Stopped', async () => {
    printLogsOnFailure();
    const bundle = await makeBundle({ hooks: { AfterInstall: { script: 'echo "sleeping"\nsleep 120', timeout: 300 } } });
    const id = await sys.rest.deploy(APP, 'slow', await sys.rest.upload(APP, bundle));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deployments' }).click();
    await page.locator(`tr[data-deployment="${id}"]`).getByRole('link', { name: id }).click();
    await page.getByRole('heading', { name: new RegExp(`Deployment ${id}`) }).waitFor();
    await page.locator('.segment[data-event="AfterInstall"][data-status="InProgress"]').waitFor({ timeout: 60_000 });

    await page.getByRole('button', { name: 'Stop deployment' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: `Stop ${id}?` }).waitFor();
    await dialog.getByRole('button', { name: 'Stop deployment' }).click();
    await page.locator('h1 [data-status="Stopped"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-error-code="MANUAL_STOP"]').waitFor();
    await page.locator('.segment[data-event="AfterInstall"][data-status="Failed"]').waitFor();
    await page.locator('[data-complete-time]:not([data-complete-time=""])').waitFor();
    expect(await sys.rest.deployment(id)).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' } });
    await page.screenshot({ path: await artifactPath('stopped.png'), fullPage: true });

    // Roll back: nothing ever succeeded on this group, so the API refuses, and the page says why.
    await page.getByRole('button', { name: 'Roll back' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click();
    const refusal = page.locator('.actions p.error');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/\S+: .+/);
    expect(await page.getByRole('dialog').count()).toBe(0);

    // Readable on a phone: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deployments' }).click();
    await page.locator(`tr[data-deployment="${id}"]`).waitFor();
    await page.screenshot({ path: await artifactPath('list-phone.png'), fullPage: true });
    const list = await widthAt(390);
    expect(list.scrollWidth, list.wider.join(', ')).toBeLessThanOrEqual(390);
    await page.locator(`tr[data-deployment="${id}"]`).getByRole('link', { name: id }).click();
    await page.locator('.lane[data-instance="dash-1"] .segment').first().waitFor();
    await page.screenshot({ path: await artifactPath('detail-phone.png'), fullPage: true });
    const detail = await widthAt(390);
    expect(detail.scrollWidth, detail.wider.join(', ')).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(pageErrors).toEqual([]);
  });

  it('lists the instances with their revision and the applications with their groups', async () => {
    printLogsOnFailure();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Instances' }).click();
    const row = page.locator('tr[data-instance="dash-1"]');
    await row.waitFor();
    await expect.poll(() => row.textContent(), POLL).toContain('app=dash');
    // The revision the first deployment put there (group web), with its status in words.
    await expect.poll(() => row.textContent(), POLL).toMatch(/dash\/web: .*Succeeded/);
    expect(await row.textContent()).toMatch(/Online/);
    await page.screenshot({ path: await artifactPath('instances.png'), fullPage: true });

    await nav.getByRole('link', { name: 'Applications' }).click();
    const group = page.locator('[data-group="web"]');
    await group.waitFor();
    expect(await group.textContent()).toContain('CodeDeployDefault.OneAtATime');
    expect(await group.textContent()).toContain('app=dash');
    await page.screenshot({ path: await artifactPath('applications.png'), fullPage: true });
    await group.getByRole('link', { name: 'Deployments of web' }).click();
    await page.getByRole('heading', { name: 'Deployments', level: 1 }).waitFor();
    expect(page.url()).toContain('app=dash');
    await expect.poll(() => page.locator('tr[data-deployment]').count(), POLL).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  it('draws a blue/green deployment\'s traffic weights, step marks and alarm (API answers stubbed in the browser)', async () => {
    // Blue/green records are being built (shared/domain/blue-green.ts, DeploymentInfo.blueGreen):
    // the chart is checked on a record of that shape, served to the page by Playwright.
    const t0 = Date.now() - 60_000;
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    const weights = { replacement: 100, original: 100 };
    const deployment = {
      deploymentId: 'd-BLUEGREEN',
      applicationName: APP,
      deploymentGroupName: 'bg',
      deploymentConfigName: 'CodeDeployDefault.LinearTest',
      revision: { revisionType: 'Bundle', digest: 'a'.repeat(64) },
      creator: 'user',
      status: 'Stopped',
      errorInformation: { code: 'ALARM_ACTIVE', message: 'The alarm errors fired.' },
      createTime: at(0),
      startTime: at(1),
      completeTime: at(40),
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      deploymentOverview: { Pending: 0, InProgress: 0, Succeeded: 2, Failed: 0, Skipped: 0, Ready: 0 },
      blueGreen: {
        version: 9,
        phase: 'Shifting',
        originalPool: 'blue',
        replacementPool: 'green',
        rerouteOnly: false,
        routing: { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 25, linearIntervalSeconds: 10 } },
        percent: 0,
        weights: { replacement: 0, original: 100 },
        shiftStartedAt: at(10),
        history: [
          { step: 0, percent: 25, weights, scheduledAt: at(10), appliedAt: at(10), timingErrorMs: 5, reason: 'step' },
          { step: 1, percent: 50, weights, scheduledAt: at(20), appliedAt: at(20), timingErrorMs: 7, reason: 'step' },
          { step: 2, percent: 0, weights: { replacement: 0, original: 100 }, scheduledAt: at(26), appliedAt: at(26), timingErrorMs: 0, reason: 'alarm' },
        ],
        alarmEvaluations: [
          { at: at(15), alarmName: 'errors', state: 'OK', reason: '0 of 80 requests failed' },
          { at: at(25), alarmName: 'errors', state: 'ALARM', reason: '30 of 90 requests failed (33 %)' },
        ],
      },
    };
    const lane = (targetId: string, instanceLabel: string, names: string[]) => ({
      deploymentId: 'd-BLUEGREEN',
      targetId,
      instanceLabel,
      status: 'Succeeded',
      lastUpdatedAt: at(30),
      lifecycleEvents: names.map((lifecycleEventName, i) => ({ lifecycleEventName, status: 'Succeeded', startTime: at(2 + i), endTime: at(3 + i) })),
    });
    const targets = [lane('green-1', 'Green', ['Install', 'AllowTraffic', 'AfterAllowTraffic']), lane('blue-1', 'Blue', ['BeforeBlockTraffic', 'BlockTraffic'])];
    // A second one waits in Ready for ContinueDeployment.
    const ready = {
      ...deployment,
      deploymentId: 'd-BGREADY01',
      status: 'Ready',
      errorInformation: undefined,
      completeTime: undefined,
      blueGreen: { ...deployment.blueGreen, phase: 'Ready', percent: 0, history: [], alarmEvaluations: [] },
    };
    const continued: unknown[] = [];
    const stubbed = /\/v1\/deployments\/(d-BLUEGREEN|d-BGREADY01)(\/[a-z]+)?$/;
    await page.route(stubbed, (route) => {
      const [, , , id, suffix] = new URL(route.request().url()).pathname.split('/');
      const record = id === 'd-BGREADY01' ? ready : deployment;
      if (suffix === 'events') return route.fulfill({ status: 200, contentType: 'text/event-stream', body: 'retry: 60000\n\n' });
      if (suffix === 'continue') {
        continued.push({ id, method: route.request().method(), body: route.request().postDataJSON() });
        return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ status: 'InProgress', phase: 'AllowingTraffic' }) });
      }
      return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(suffix === 'targets' ? { targets } : record) });
    });
    await page.evaluate(() => (window.location.hash = '#/deployments/d-BLUEGREEN'));
    const traffic = page.getByRole('region', { name: 'Traffic' });
    await traffic.waitFor();
    expect(await traffic.locator('[data-traffic-percent]').getAttribute('data-traffic-percent')).toBe('0');
    expect(await traffic.textContent()).toContain('Replacement pool green');
    expect(await traffic.locator('.step-mark').count()).toBe(3);
    expect(await traffic.locator('.alarm-mark').count()).toBe(1);
    expect(await traffic.getByRole('img').getAttribute('aria-label')).toContain('now 0 percent');
    await traffic.getByText('Shifts and alarm evaluations as a table').click();
    expect(await traffic.locator('tbody tr').count()).toBe(5);
    expect(await page.locator('.lane[data-instance="green-1"]').textContent()).toContain('Green · replacement');
    await page.screenshot({ path: await artifactPath('blue-green.png'), fullPage: true });
    expect(await page.getByRole('button', { name: 'Continue deployment' }).count()).toBe(0);

    await page.evaluate(() => (window.location.hash = '#/deployments/d-BGREADY01'));
    await page.getByRole('heading', { name: /Deployment d-BGREADY01/ }).waitFor();
    await page.getByRole('button', { name: 'Continue deployment' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Continue d-BGREADY01?' }).waitFor();
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => continued, POLL).toEqual([{ id: 'd-BGREADY01', method: 'POST', body: { deploymentWaitType: 'READY_WAIT' } }]);
    await expect.poll(() => page.getByText('Continue requested.').count(), POLL).toBe(1);
    await page.unroute(stubbed);
    expect(pageErrors).toEqual([]);
  });
});

describe('web dashboard by role', () => {
  it('shows a viewer its account and role, and a running deployment with no actions but a read-only note, also after a reload', async () => {
    printLogsOnFailure();
    const viewer = await sys.rest.ok('POST', '/v1/tokens', { name: 'dashboard viewer', role: 'viewer', expiresInSeconds: 3600 });
    const bundle = await makeBundle({ hooks: { AfterInstall: { script: 'sleep 120', timeout: 300 } } });
    const id = await sys.rest.deploy(APP, 'slow', await sys.rest.upload(APP, bundle));
    const tab = await newTab();
    try {
      await signIn(tab, viewer.token);
      expect(await signedInAs(tab)).toContain('Signed in to account default as viewer');
      expect(await tab.getByRole('banner').locator('.whoami').textContent()).toMatch(/default\s*·\s*(as\s*)?viewer/);

      await tab.locator(`tr[data-deployment="${id}"]`).getByRole('link', { name: id }).click();
      await tab.locator('h1 [data-status="InProgress"]').waitFor({ timeout: 60_000 });
      for (const reload of [false, true]) {
        // After a reload the role comes from whoami with the stored token; the note waits for it.
        if (reload) await tab.reload();
        await tab.getByText('Read-only: this token is a viewer.').waitFor();
        expect(await tab.locator('h1 [data-status]').getAttribute('data-status')).toBe('InProgress');
        expect(await tab.getByRole('button', { name: 'Stop deployment' }).count()).toBe(0);
        expect(await tab.locator('.actions button').count()).toBe(0);
        expect(await signedInAs(tab)).toContain('default as viewer');
      }
      await tab.screenshot({ path: await artifactPath('viewer.png'), fullPage: true });
    } finally {
      await tab.context().close();
      await sys.rest.ok('POST', `/v1/deployments/${id}/stop`, {});
    }
    expect(pageErrors).toEqual([]);
  });

  it("shows another account none of this one's deployments (404: not found), and a viewer grant's 403 as the API words it", async () => {
    printLogsOnFailure();
    const { adminToken } = await sys.rest.ok('POST', '/v1/accounts', { accountId: 'dash-other' });
    const { deployments } = await sys.rest.ok('GET', `/v1/deployments?applicationName=${APP}&deploymentGroupName=web`);
    const id: string = deployments[0].deploymentId;
    expect((await new RestClient(sys.apiUrl, adminToken.token).request('GET', `/v1/deployments/${id}`)).status).toBe(404);
    const tab = await newTab();
    try {
      await signIn(tab, adminToken.token);
      expect(await signedInAs(tab)).toContain('Signed in to account dash-other as admin');
      await tab.getByText('No deployments yet.').waitFor();
      expect(await tab.locator('tr[data-deployment]').count()).toBe(0);

      await tab.evaluate((to) => (window.location.hash = to), `#/deployments/${id}`);
      await tab.getByRole('heading', { name: 'Deployment not found', level: 1 }).waitFor();
      expect(await tab.locator(`[data-not-found="${id}"]`).textContent()).toContain('in account dash-other');
      await tab.screenshot({ path: await artifactPath('other-account.png'), fullPage: true });

      // A viewer grant on the group: the deployment shows; the token (an admin) is offered a
      // rollback, which the grant's role does not allow: the API's 403 is shown in its words.
      await sys.rest.ok('POST', '/v1/grants', { applicationName: APP, deploymentGroupName: 'web', granteeAccountId: 'dash-other', role: 'viewer' });
      await tab.reload();
      await tab.locator('h1 [data-status="Succeeded"]').waitFor();
      await tab.getByRole('button', { name: 'Roll back' }).click();
      await tab.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click();
      const refusal = tab.locator('.actions p.error');
      await refusal.waitFor();
      expect(await refusal.textContent()).toBe('AccessDeniedException: This needs the deployer role; the grant gives viewer.');
      await tab.screenshot({ path: await artifactPath('grant-refused.png'), fullPage: true });
    } finally {
      await tab.context().close();
    }
    expect(pageErrors).toEqual([]);
  });
});
