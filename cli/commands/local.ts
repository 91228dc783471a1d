/**
 * `cutover local`: CodeDeploy's codedeploy-local, done better. Validates a bundle and its appspec
 * (every problem at once, each with its line), then runs the chosen lifecycle events on this
 * machine with the agent's own installer and hook runner, in a local root. One verdict line and
 * codedeploy-local's exit code: 0 when it all succeeded, 1 otherwise.
 */
import os from 'node:os';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { FileExistsBehavior } from '../../shared/domain/types.js';
import type { EventUpdate } from '../../shared/protocol.js';
import { contextOf } from '../context.js';
import { bold, dim, green, red, yellow, type Printer } from '../output.js';
import type { LocalBundleType, LocalProblem } from '../local/check-bundle.js';

interface LocalOptions {
  bundleLocation: string;
  type: LocalBundleType;
  fileExistsBehavior: FileExistsBehavior;
  deploymentGroup: string;
  deploymentGroupName: string;
  applicationName?: string;
  events?: string;
  appspecFilename?: string;
  root: string;
  installRoot?: string;
  validateOnly?: boolean;
}

export function registerLocal(program: Command): void {
  program
    .command('local')
    .description('validate a bundle and run its lifecycle events on this machine, as an agent would (codedeploy-local)')
    .option('-l, --bundle-location <path>', 'the bundle: a directory or an archive', process.cwd())
    .addOption(new Option('-t, --type <type>', 'what the bundle location is').choices(['tgz', 'tar', 'zip', 'directory']).default('directory'))
    .addOption(new Option('-b, --file-exists-behavior <behavior>', 'for files already at a destination (the appspec\'s setting wins)').choices(['DISALLOW', 'OVERWRITE', 'RETAIN']).default('DISALLOW'))
    .option('-g, --deployment-group <id>', 'the deployment group id: its folder under the local root', 'default-local-deployment-group')
    .option('-d, --deployment-group-name <name>', 'DEPLOYMENT_GROUP_NAME for the hooks', 'LocalFleet')
    .option('-a, --application-name <name>', 'APPLICATION_NAME for the hooks (default: the bundle location)')
    .option('-e, --events <list>', 'lifecycle events to run, comma-separated (DownloadBundle and Install are added)')
    .option('-A, --appspec-filename <name>', 'the appspec file name (default appspec.yml, then appspec.yaml)')
    .option('--root <dir>', 'the local agent root: revisions, script logs, what was installed', path.join(os.homedir(), '.cutover', 'local'))
    .option('--install-root <dir>', 'install absolute destinations under this directory instead of /')
    .option('--validate-only', 'check the bundle and appspec, run nothing')
    .action(async (opts: LocalOptions, command: Command) => {
      const { printer } = contextOf(command);
      // Loaded here, not at start-up: the agent's runner is only needed by this command.
      const [{ checkBundle }, { runLocal }] = await Promise.all([import('../local/check-bundle.js'), import('../local/run-local.js')]);
      const location = path.resolve(opts.bundleLocation);
      const checked = await checkBundle({ bundleLocation: location, type: opts.type, appspecFilename: opts.appspecFilename, events: opts.events });
      try {
        printProblems(printer, checked.problems);
        const errors = checked.problems.filter((p) => p.severity === 'error');
        if (errors.length > 0 || !checked.events) {
          printer.line(red(bold(`ERROR: ${errors.length} problem(s) in ${location}; nothing was run.`)));
          process.exitCode = 1;
          return;
        }
        if (opts.validateOnly) {
          printer.line(green(`AppSpec file valid. Bundle ${location} passed validation (--validate-only: no lifecycle events were run).`));
          return;
        }
        const events = checked.events;
        if (events.skipped.length > 0) printer.line(dim(`${events.skipped.join(', ')}: no load balancer on this machine; skipped.`));
        const controller = new AbortController();
        const onSigint = () => controller.abort();
        process.once('SIGINT', onSigint);
        const started = new Map<string, number>();
        let result;
        try {
          result = await runLocal({
            bundleLocation: location,
            type: opts.type,
            events: events.run,
            applicationName: opts.applicationName ?? location,
            deploymentGroupName: opts.deploymentGroupName,
            deploymentGroupId: opts.deploymentGroup,
            fileExistsBehavior: opts.fileExistsBehavior,
            appSpecFilename: opts.appspecFilename,
            root: path.resolve(opts.root),
            installRoot: opts.installRoot ? path.resolve(opts.installRoot) : undefined,
            onEvent: (update) => printEvent(printer, update, started),
            // Script output as it comes (the event lines are printed by onEvent).
            onLog: (text) => {
              const line = text.replace(/^\[[^\]]+\] /, '');
              if (!line.startsWith('LifecycleEvent - ')) process.stdout.write(dim(`    ${line}`));
            },
            signal: controller.signal,
          });
        } finally {
          process.off('SIGINT', onSigint);
        }
        const failed = result.entry.events.find((e) => e.status === 'Failed');
        if (!failed) {
          printer.line(green(`AppSpec file valid. Local deployment successful (${result.deploymentId}).`));
          return;
        }
        const d = failed.diagnostics;
        printer.line(red(bold(`ERROR: ${failed.lifecycleEventName} failed${d ? ` (${d.errorCode}): ${d.message}` : ''}`)));
        if (d?.scriptName) printer.line(`  Script: ${d.scriptName}`);
        printer.line(`  Log: ${result.scriptLog}`);
        process.exitCode = 1;
      } finally {
        await checked.cleanup();
      }
    });
}

function printProblems(printer: Printer, problems: readonly LocalProblem[]): void {
  const sorted = [...problems].sort((a, b) => lineOf(a) - lineOf(b));
  for (const p of sorted) {
    const label = p.severity === 'error' ? red('error') : yellow('warning');
    printer.line(`${p.where}: ${label}: ${p.message}`);
  }
}

/** Option problems first, then by appspec line. */
function lineOf(p: LocalProblem): number {
  const match = /:(\d+)$/.exec(p.where);
  return match ? Number(match[1]) : p.where.startsWith('-') ? -1 : 0;
}

function printEvent(printer: Printer, update: EventUpdate, started: Map<string, number>): void {
  const name = update.lifecycleEventName;
  if (update.status === 'InProgress') {
    started.set(name, Date.now());
    printer.line(bold(`▸ ${name}`));
    return;
  }
  const took = started.has(name) ? dim(` ${((Date.now() - (started.get(name) ?? 0)) / 1000).toFixed(1)}s`) : '';
  if (update.status === 'Succeeded') printer.line(`${green('✓')} ${name} Succeeded${took}`);
  else if (update.status === 'Skipped') printer.line(dim(`- ${name} Skipped`));
  else printer.line(`${red('✗')} ${name} Failed${took}${update.diagnostics ? `: ${update.diagnostics.message}` : ''}`);
}
