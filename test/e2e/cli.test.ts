/**
 * The `cutover` CLI driven as a user drives it — a process per command — against a running
 * system with real agents: config, apply, deploy --wait (success and failure), logs --follow
 * while a hook runs, the read commands with --output json, and the actions.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { mkdtemp, readFile, stat, writeFile, mkdir, access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TestSystem } from '../helpers/system.js';
import { makeBundleDir } from '../helpers/bundles.js';
import { runCli, startCli } from '../helpers/cli.js';

const APP = 'cli-app';
let sys: TestSystem;
let home: string;
/** The environment every CLI run gets: its own config file, nothing else. */
let env: Record<string, string>;

beforeAll(async () => {
  sys = await TestSystem.start({ label: 'cli' });
  await sys.startAgents(2, { app: APP });
  home = await mkdtemp(path.join(os.tmpdir(), 'cutover-cli-home-'));
  env = { CUTOVER_CONFIG: path.join(home, 'config', 'cutover.json') };
});

afterAll(async () => {
  await sys?.stop();
});

function printLogsOnFailure(): void {
  onTestFailed(() => {
    console.error(sys.logs());
  });
}

const APPLY_FILE = (config: string) => `# What the CLI tests deploy to
applications:
  ${APP}:
    deploymentGroups:
      fleet:
        deploymentConfigName: ${config}
        instanceTagFilters:
          - { key: app, value: ${APP} }
deploymentConfigs:
  CliOneDown:
    minimumHealthyHosts: { type: HOST_COUNT, value: 1 }
`;

describe('cutover CLI', () => {
  it('config set stores the api and token in a 0600 file; env and flags override it', async () => {
    const set = await runCli(['config', 'set', '--api', sys.apiUrl, '--token', sys.adminToken], env);
    expect(set.code, set.stderr).toBe(0);
    expect((await stat(env.CUTOVER_CONFIG)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(env.CUTOVER_CONFIG, 'utf8'))).toEqual({ api: sys.apiUrl, token: sys.adminToken });

    const listed = await runCli(['instances', '--output', 'json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).instances.map((i: { instanceName: string }) => i.instanceName).sort()).toEqual(['host-1', 'host-2']);
    // Independent runs go side by side: each is a process of its own.
    const [badEnv, flagWins, nothing] = await Promise.all([
      runCli(['instances'], { ...env, CUTOVER_TOKEN: 'not-a-valid-token' }),
      runCli(['instances', '--token', sys.adminToken], { ...env, CUTOVER_TOKEN: 'not-a-valid-token' }),
      runCli(['instances'], { CUTOVER_CONFIG: path.join(home, 'none.json') }),
    ]);
    expect(badEnv.code).toBe(1);
    expect(badEnv.stderr).toContain('error:');
    expect(flagWins.code, flagWins.stderr).toBe(0);
    expect(flagWins.stdout).toMatch(/INSTANCE\s+STATUS\s+TAGS/);
    expect(flagWins.stdout).toMatch(/host-1\s+Registered\s+app=cli-app/);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('cutover config set');
  });

  it('apply creates what the file declares, prints the plan, and a second run changes nothing', async () => {
    printLogsOnFailure();
    const file = path.join(home, 'cutover.yml');
    await writeFile(file, APPLY_FILE('CodeDeployDefault.AllAtOnce'));
    const first = await runCli(['apply', '-f', file], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`+ application ${APP}`);
    expect(first.stdout).toContain('+ deployment config CliOneDown');
    expect(first.stdout).toContain(`+ deployment group ${APP}/fleet`);
    expect(first.stdout).toContain('Applied: 3 created');
    const group = await sys.rest.ok('GET', `/v1/applications/${APP}/deployment-groups/fleet`);
    expect(group.deploymentConfigName).toBe('CodeDeployDefault.AllAtOnce');

    const again = await runCli(['apply', '-f', file], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`= deployment group ${APP}/fleet (unchanged)`);
    expect(again.stdout).toContain('No changes');

    await writeFile(file, APPLY_FILE('CliOneDown'));
    const plan = await runCli(['apply', '-f', file, '--dry-run'], env);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`~ deployment group ${APP}/fleet`);
    expect(plan.stdout).toContain('deploymentConfigName: "CodeDeployDefault.AllAtOnce" → "CliOneDown"');
    await writeFile(file, APPLY_FILE('CodeDeployDefault.AllAtOnce'));

    const broken = path.join(home, 'broken.yml');
    await writeFile(broken, `applications:\n  ${APP}:\n    deploymentGroups:\n      bad:\n        instanceTagFilters: nope\n        colour: blue\n`);
    const refused = await runCli(['apply', '-f', broken], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/broken\.yml:5 .*instanceTagFilters/);
    expect(refused.stderr).toMatch(/broken\.yml:4 .*colour/);
  });

  it('deploy packs a directory (honouring .cutoverignore), uploads it and with --wait exits 0 with a line per instance', async () => {
    printLogsOnFailure();
    const dir = await makeBundleDir({
      files: { 'app/index.txt': 'hello\n', 'app/secret.txt': 'do not ship\n', 'app/tmp/junk.txt': 'junk\n', '.cutoverignore': '# local only\napp/secret.txt\ntmp/\n' },
      install: [{ source: 'app', destination: '/opt/cli-app' }],
      hooks: { AfterInstall: { script: 'echo "installed on $HOST_LABEL"' } },
    });
    const result = await runCli(['deploy', '--app', APP, '--group', 'fleet', '--bundle', dir, '--wait', '--description', 'from the cli test'], env);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/Uploaded .* as revision [0-9a-f]{12}/);
    expect(result.stdout).toMatch(/host-1 AfterInstall Succeeded/); // (a quick hook's start and end may arrive as one report)
    expect(result.stdout).toMatch(/host-2 Succeeded/);
    expect(result.stdout).toMatch(/Deployment d-[A-Z0-9]{9} Succeeded/);
    const installed = path.join(sys.agents.get('host-1')!.installRoot, 'opt', 'cli-app');
    expect(await readFile(path.join(installed, 'index.txt'), 'utf8')).toBe('hello\n');
    await expect(access(path.join(installed, 'secret.txt'))).rejects.toThrow();
    await expect(access(path.join(installed, 'tmp'))).rejects.toThrow();

    const id = /Deployment (d-[A-Z0-9]{9}) Succeeded/.exec(result.stdout)![1];
    const [list, get, logs] = await Promise.all([
      runCli(['deployments', 'list', '--app', APP, '--output', 'json'], env),
      runCli(['deployments', 'get', id], env),
      runCli(['logs', id, '--instance', 'host-2', '--event', 'AfterInstall'], env),
    ]);
    expect(JSON.parse(list.stdout).deployments[0]).toMatchObject({ deploymentId: id, status: 'Succeeded', description: 'from the cli test' });
    expect(get.stdout).toMatch(new RegExp(`${id}\\s+Succeeded`));
    expect(get.stdout).toMatch(/host-2\s+Succeeded/);
    expect(logs.stdout).toContain('installed on host-2');
    expect(logs.stdout).not.toContain('LifecycleEvent - Install\n');

    // redeploy: the same revision again, as a new deployment.
    const redeploy = await runCli(['redeploy', id, '--wait'], env);
    expect(redeploy.code, redeploy.stderr).toBe(0);
    expect(redeploy.stdout).toMatch(/Deployment d-[A-Z0-9]{9} Succeeded/);
  });

  it('deploy --wait exits non-zero when the deployment fails, and says where', async () => {
    printLogsOnFailure();
    const dir = await makeBundleDir({ hooks: { ValidateService: { script: 'echo "unhealthy on $HOST_LABEL" >&2; exit 4' } } });
    const result = await runCli(['deploy', '--app', APP, '--group', 'fleet', '--bundle', dir, '--wait'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/host-1 ValidateService Failed: ScriptFailed/);
    expect(result.stdout).toMatch(/Deployment d-[A-Z0-9]{9} Failed/);
    expect(result.stdout).toContain('unhealthy on host-1');
  });

  it('logs --follow shows a hook\'s output while the hook runs', async () => {
    printLogsOnFailure();
    // The hook ticks until the test releases it: what the CLI shows before that, it showed live.
    const dir = await makeBundleDir({
      hooks: {
        AfterInstall: {
          timeout: 120,
          script: 'i=0\nwhile [ ! -e "$CUTOVER_INSTALL_ROOT/release" ]; do i=$((i+1)); echo "tick $i on $HOST_LABEL"; sleep 0.3; [ $i -lt 300 ] || exit 9; done\necho "released on $HOST_LABEL"',
        },
      },
    });
    const created = await runCli(['deploy', '--app', APP, '--group', 'fleet', '--bundle', dir, '--output', 'json'], env);
    const { deploymentId } = JSON.parse(created.stdout) as { deploymentId: string };
    const follow = startCli(['logs', deploymentId, '--instance', 'host-1', '--follow'], env);
    await follow.waitFor(/tick \d+ on host-1/);
    const seen = Number(/tick (\d+) on host-1/.exec(follow.output().stdout)![1]);
    await follow.waitFor(new RegExp(`tick ${seen + 2} on host-1`));
    const target = await sys.rest.ok('GET', `/v1/deployments/${deploymentId}/targets/host-1`);
    expect(target.lifecycleEvents.find((e: { lifecycleEventName: string }) => e.lifecycleEventName === 'AfterInstall').status).toBe('InProgress');
    expect(follow.output().stdout).not.toContain('released');
    for (const agent of sys.agents.values()) await writeFile(path.join(agent.installRoot, 'release'), '');
    const done = await follow.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/tick 1 on host-1[\s\S]*released on host-1/);
    expect(done.stdout).not.toContain('host-2');
    expect(done.stderr).toContain('Succeeded');
  });

  it('stop and continue answer clearly: an ended deployment, an in-place deployment has nothing to continue', async () => {
    const { deployments } = await sys.rest.ok('GET', `/v1/deployments?applicationName=${APP}&status=Succeeded`);
    const id = deployments[0].deploymentId as string;
    const [stop, cont] = await Promise.all([runCli(['stop', id], env), runCli(['continue', id], env)]);
    expect(stop.code).toBe(1);
    expect(stop.stderr).toContain('already completed');
    expect(cont.code).toBe(1);
    expect(cont.stderr).toContain('only a blue/green deployment waits for ContinueDeployment');
  });
});

describe('cutover bin', () => {
  it('runs from any directory through the package.json bin launcher', async () => {
    const { spawnSync } = await import('node:child_process');
    const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'cutover-cli-cwd-'));
    await mkdir(elsewhere, { recursive: true });
    const run = spawnSync(path.join(process.cwd(), 'cli', 'bin.mjs'), ['--version'], { cwd: elsewhere, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
