/**
 * `cutover deploy --app A --group G (--bundle DIR|FILE | --revision DIGEST) [--config NAME] [--wait]`:
 * pack a directory (honouring .cutoverignore) or take an archive, upload it, create the
 * deployment; with --wait follow it live and exit 0 only if it Succeeded.
 */
import { readFile, stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { seg, ApiError, type CutoverClient } from '../client.js';
import { contextOf } from '../context.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import type { Printer } from '../output.js';
import { outcomeExitCode, printOutcome, watchDeployment } from '../watch.js';

interface DeployOptions {
  app: string;
  group: string;
  bundle?: string;
  revision?: string;
  config?: string;
  description?: string;
  fileExistsBehavior?: string;
  ignoreApplicationStopFailures?: boolean;
  wait?: boolean;
}

const CONTENT_TYPES = { tgz: 'application/gzip', tar: 'application/x-tar', zip: 'application/zip' } as const;

export function registerDeploy(program: Command): void {
  program
    .command('deploy')
    .description('upload a bundle (or name an uploaded revision) and deploy it to a deployment group')
    .requiredOption('--app <name>', 'the application')
    .requiredOption('--group <name>', 'the deployment group')
    .option('--bundle <dir|file>', 'a directory to pack (honouring .cutoverignore) or a .tar.gz/.tar/.zip bundle')
    .option('--revision <digest>', 'an already uploaded revision (sha256)')
    .option('--config <name>', 'a deployment config instead of the group\'s')
    .option('--description <text>', 'a description for the deployment')
    .addOption(new Option('--file-exists-behavior <behavior>', 'for files already at a destination').choices(['DISALLOW', 'OVERWRITE', 'RETAIN']))
    .option('--ignore-application-stop-failures', 'go on when the previous revision\'s ApplicationStop fails')
    .option('--wait', 'follow the deployment live; exit 0 only if it succeeds')
    .action(async (opts: DeployOptions, command: Command) => {
      const ctx = contextOf(command);
      if (!opts.bundle === !opts.revision) throw new CliError('Give exactly one of --bundle DIR|FILE or --revision DIGEST.', EXIT_USAGE);
      const client = await ctx.client();
      const digest = opts.revision ?? (await upload(client, ctx.printer, opts.app, opts.bundle as string));
      const { deploymentId } = await client.post<{ deploymentId: string }>('/v1/deployments', {
        applicationName: opts.app,
        deploymentGroupName: opts.group,
        revision: { revisionType: 'Bundle', digest },
        ...(opts.config ? { deploymentConfigName: opts.config } : {}),
        ...(opts.description ? { description: opts.description } : {}),
        ...(opts.fileExistsBehavior ? { fileExistsBehavior: opts.fileExistsBehavior } : {}),
        ...(opts.ignoreApplicationStopFailures ? { ignoreApplicationStopFailures: true } : {}),
      });
      await reportDeployment(client, ctx.printer, deploymentId, opts.wait ?? false);
    });
}

/** Print the new deployment's id; with `wait`, follow it and set the exit code from its outcome. */
export async function reportDeployment(client: CutoverClient, printer: Printer, deploymentId: string, wait: boolean): Promise<void> {
  if (!wait) {
    if (printer.format === 'json') printer.json({ deploymentId });
    else printer.line(`Created deployment ${deploymentId}. Follow it with: cutover deployments get ${deploymentId} (or deploy with --wait)`);
    return;
  }
  if (printer.format !== 'json') printer.line(`Created deployment ${deploymentId}`);
  const outcome = await watchDeployment(client, deploymentId, printer, printer.format === 'json');
  if (printer.format === 'json') printer.json(outcome);
  else printOutcome(printer, outcome);
  process.exitCode = outcomeExitCode(outcome);
}

async function upload(client: CutoverClient, printer: Printer, app: string, location: string): Promise<string> {
  const [{ packDirectory }, { detectBundleType }] = await Promise.all([import('../pack.js'), import('../../shared/bundle/detect-type.js')]);
  const info = await stat(location).catch(() => undefined);
  if (!info) throw new CliError(`${location} does not exist.`, EXIT_USAGE);
  let bundle: Buffer;
  let type: keyof typeof CONTENT_TYPES;
  let what: string;
  if (info.isDirectory()) {
    const packed = await packDirectory(location);
    bundle = packed.bundle;
    type = 'tgz';
    what = `${location} (${packed.files} files, ${kb(bundle.length)})`;
  } else {
    bundle = await readFile(location);
    const detected = detectBundleType(bundle.subarray(0, 512));
    if (!detected) throw new CliError(`${location} is not a tar.gz, tar or zip archive.`, EXIT_USAGE);
    type = detected;
    what = `${location} (${detected}, ${kb(bundle.length)})`;
  }
  try {
    const answer = await client.upload<{ revision: { digest: string } }>(`/v1/applications/${seg(app)}/revisions`, bundle, CONTENT_TYPES[type]);
    if (printer.format !== 'json') printer.line(`Uploaded ${what} as revision ${answer.revision.digest.slice(0, 12)}…`);
    return answer.revision.digest;
  } catch (err) {
    // The api lists every appspec problem with its line; show them all.
    if (err instanceof ApiError && Array.isArray((err.body.details as { problems?: unknown[] })?.problems)) {
      const problems = (err.body.details as { problems: { path: string; line?: number; message: string }[] }).problems;
      throw new CliError(`The bundle was refused:\n${problems.map((p) => `  appspec.yml${p.line ? `:${p.line}` : ''}  ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n')}`);
    }
    throw err;
  }
}

function kb(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
