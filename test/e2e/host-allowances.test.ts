/**
 * The host allowance end to end: a real agent process started with --allowed-runas (a flag) and
 * allowed destinations (a --host-config file) refuses a revision that installs elsewhere or runs
 * a hook as another user: DownloadBundle fails with errorCode UnknownError and a message naming
 * the offending destination or user, every later event is Skipped, no hook runs and nothing is
 * installed. A revision inside the allowance deploys as usual. The agent's bundle limits come
 * from its environment (CUTOVER_BUNDLE_MAX_*), like the api's.
 */
import { chmod, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { agentUser } from '../../agent/installer/index.js';
import { packDir } from '../helpers/bundles.js';
import { startTsx, until, type Proc } from '../helpers/processes.js';
import { TestSystem } from '../helpers/system.js';

const APP = 'guarded';
const HOST = 'guarded-1';
let sys: TestSystem;
let agent: Proc;
let installRoot: string;

beforeAll(async () => {
  sys = await TestSystem.start({ label: 'allowance' });
  installRoot = path.join(sys.dir, 'hosts', HOST, 'fs');
  const hostConfig = path.join(sys.dir, 'host.yml');
  await writeFile(hostConfig, 'allowedDestinations:\n  - /srv/app\n');
  agent = startTsx(
    'agent-guarded',
    'agent/main.ts',
    [
      '--api', sys.apiUrl,
      '--enroll-token', sys.enrollToken,
      '--name', HOST,
      '--tags', 'role=guarded',
      '--root', path.join(sys.dir, 'hosts', HOST, 'agent'),
      '--install-root', installRoot,
      // Hooks without runas run as the agent's own user, so it is listed.
      '--allowed-runas', `deploy,${agentUser()}`,
      '--host-config', hostConfig,
    ],
    // The agent's own bundle bound, stricter than the api's: the agent applies it when it unpacks.
    { LOG_LEVEL: 'debug', CUTOVER_BUNDLE_MAX_ENTRIES: '40' },
    path.join(sys.dir, 'logs'),
  );
  await until(`agent ${HOST} to register`, async () => {
    const { instances } = await sys.rest.ok('GET', '/v1/instances');
    return (instances as { instanceName: string }[]).some((i) => i.instanceName === HOST) ? true : undefined;
  });
  await sys.rest.createApplication(APP);
  await sys.rest.createGroup(APP, 'g', 'CodeDeployDefault.AllAtOnce', { role: 'guarded' });
}, 60_000);

afterAll(async () => {
  await agent?.kill();
  await sys?.stop();
});

function printLogsOnFailure(): void {
  onTestFailed(() => console.error(`${sys.logs()}\n----- agent -----\n${agent.log().slice(-20_000)}`));
}

/** A bundle with `appspec`, a web/ directory and a BeforeInstall script that leaves a marker in the install root. */
async function bundle(appspec: string, extraFiles = 0): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cutover-allowance-'));
  await mkdir(path.join(dir, 'web'));
  for (let i = 0; i < extraFiles; i++) await writeFile(path.join(dir, 'web', `f${i}.txt`), `${i}\n`);
  await mkdir(path.join(dir, 'hooks'));
  await writeFile(path.join(dir, 'web', 'index.html'), 'hello\n');
  await writeFile(path.join(dir, 'hooks', 'before.sh'), '#!/bin/sh\ntouch "$CUTOVER_INSTALL_ROOT/hook-ran"\n');
  await chmod(path.join(dir, 'hooks', 'before.sh'), 0o755);
  await writeFile(path.join(dir, 'appspec.yml'), `version: 0.0\nos: linux\n${appspec}\n`);
  return packDir(dir);
}

async function deploy(appspec: string, expected: 'Succeeded' | 'Failed', extraFiles = 0): Promise<{ events: Record<string, { status: string; diagnostics?: { errorCode: string; message: string } }> }> {
  const id = await sys.rest.deploy(APP, 'g', await sys.rest.upload(APP, await bundle(appspec, extraFiles)));
  await sys.rest.finished(id, expected);
  const [target] = await sys.rest.targets(id);
  const events = Object.fromEntries(
    (target.lifecycleEvents as { lifecycleEventName: string; status: string; diagnostics?: { errorCode: string; message: string } }[]).map((e) => [e.lifecycleEventName, e]),
  );
  return { events };
}

async function installed(): Promise<string[]> {
  return ((await readdir(installRoot, { recursive: true }).catch(() => [])) as string[]).sort();
}

describe('a host allowance on a real agent', () => {
  it('refuses a files destination outside the allowed ones at DownloadBundle, before any hook or copy', async () => {
    printLogsOnFailure();
    const { events } = await deploy(
      ['files:', '  - {source: web, destination: /srv/app/web}', '  - {source: web, destination: /etc/cron.d}', 'hooks:', '  BeforeInstall:', '    - {location: hooks/before.sh}'].join('\n'),
      'Failed',
    );
    expect(events.DownloadBundle).toMatchObject({
      status: 'Failed',
      diagnostics: { errorCode: 'UnknownError', message: expect.stringContaining('files destination /etc/cron.d (source web) is outside the allowed destinations (/srv/app)') },
    });
    for (const name of ['BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService']) expect(events[name]?.status).toBe('Skipped');
    expect(await installed()).toEqual([]);
  });

  it('refuses a hook whose runas user is not allowed, naming the user', async () => {
    printLogsOnFailure();
    const { events } = await deploy(
      ['files:', '  - {source: web, destination: /srv/app/web}', 'hooks:', '  BeforeInstall:', '    - {location: hooks/before.sh, runas: mallory}'].join('\n'),
      'Failed',
    );
    expect(events.DownloadBundle).toMatchObject({
      status: 'Failed',
      diagnostics: { errorCode: 'UnknownError', message: expect.stringContaining(`BeforeInstall script hooks/before.sh would run as runas mallory, which is not an allowed runas user (deploy, ${agentUser()})`) },
    });
    expect(events.BeforeInstall?.status).toBe('Skipped');
    expect(await installed()).toEqual([]);
  });

  it('unpacks within the bundle limits of its own environment (CUTOVER_BUNDLE_MAX_ENTRIES)', async () => {
    printLogsOnFailure();
    const { events } = await deploy(['files:', '  - {source: web, destination: /srv/app/web}'].join('\n'), 'Failed', 50);
    expect(events.DownloadBundle).toMatchObject({
      status: 'Failed',
      diagnostics: { errorCode: 'UnknownError', message: 'The bundle was rejected: The bundle has more than 40 entries, the limit for one revision.' },
    });
    expect(await installed()).toEqual([]);
  });

  it('deploys a revision that stays inside the allowance', async () => {
    printLogsOnFailure();
    const { events } = await deploy(['files:', '  - {source: web, destination: /srv/app/web}', 'hooks:', '  BeforeInstall:', '    - {location: hooks/before.sh}'].join('\n'), 'Succeeded');
    expect(events.Install?.status).toBe('Succeeded');
    expect(await installed()).toEqual(['hook-ran', 'srv', 'srv/app', 'srv/app/web', 'srv/app/web/index.html']);
  });
});
