/**
 * A host's allowance: which users its hooks may run as and where its files may be installed
 * (agent flags --allowed-runas and --allowed-destinations, or a host config file). A revision
 * that asks for more is refused whole, at DownloadBundle, before any of its hooks runs or any of
 * its files is installed; Install and the hook runner check again, since the previous revision's
 * scripts (ApplicationStop) were judged under whatever allowance the host had then.
 *
 * CodeDeploy has no such setting: on a CodeDeploy host anyone who may deploy may run anything as
 * root. Here a hook without `runas` runs as the agent's own user, so that user must be listed too.
 */
import os from 'node:os';
import path from 'node:path';
import type { AppSpec } from '../../shared/appspec/index.js';

export interface HostAllowance {
  /** Users hooks may run as. Absent: any user. */
  runas?: readonly string[];
  /** Directories (absolute, as the appspec writes them, before --install-root) that files may go under. Absent: anywhere. */
  destinations?: readonly string[];
}

/** The user a hook without `runas` runs as: the agent's own. */
export function agentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
}

export function runasAllowed(allowance: HostAllowance | undefined, runas: string | undefined): boolean {
  return !allowance?.runas || allowance.runas.includes(runas ?? agentUser());
}

/** Is the absolute appspec path `destination` equal to or below one of the allowed directories? */
export function destinationAllowed(allowance: HostAllowance | undefined, destination: string): boolean {
  if (!allowance?.destinations) return true;
  const target = path.posix.normalize(destination);
  return allowance.destinations.some((dir) => {
    const root = path.posix.normalize(dir).replace(/\/+$/, '');
    return root === '' || target === root || target.startsWith(`${root}/`);
  });
}

/** Every way the appspec exceeds the allowance, one sentence each; [] when it stays inside. */
export function allowanceViolations(appspec: AppSpec, allowance: HostAllowance | undefined): string[] {
  if (!allowance) return [];
  const problems: string[] = [];
  for (const file of appspec.files) {
    if (!destinationAllowed(allowance, file.destination)) {
      problems.push(
        `files destination ${file.destination} (source ${file.source}) is outside the allowed destinations (${(allowance.destinations ?? []).join(', ')})`,
      );
    }
  }
  for (const [event, scripts] of Object.entries(appspec.hooks)) {
    for (const script of scripts ?? []) {
      if (runasAllowed(allowance, script.runas)) continue;
      const who = script.runas === undefined ? `the agent's user ${agentUser()} (no runas)` : `runas ${script.runas}`;
      problems.push(`${event} script ${script.location} would run as ${who}, which is not an allowed runas user (${(allowance.runas ?? []).join(', ')})`);
    }
  }
  return problems;
}

/** The diagnostic for a refused revision: names every offending runas user and destination. */
export function describeViolations(problems: readonly string[]): string {
  return `The revision asks for more than this host allows, so nothing of it was run or installed: ${problems.join('; ')}.`;
}
