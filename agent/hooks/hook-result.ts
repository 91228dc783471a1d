/** What running one hook script came to, in CodeDeploy's LifecycleErrorCode terms and wording. */
import type { LifecycleErrorCode } from '../../shared/domain/statuses.js';

export interface HookResult {
  errorCode: LifecycleErrorCode;
  /** The script's exit code, when it exited by itself. */
  exitCode?: number;
  message: string;
  /** True when the run was stopped through the abort signal (the deployment was stopped). */
  cancelled?: boolean;
}

export type OutputStream = 'stdout' | 'stderr';

export interface RunHookOptions {
  /** Absolute path of the script. */
  scriptPath: string;
  /** The appspec's `location`, used in messages as CodeDeploy does; defaults to scriptPath. */
  location?: string;
  cwd: string;
  /** The complete environment (see hookEnvironment); nothing else is inherited. */
  env: Record<string, string>;
  timeoutSeconds: number;
  /** Run as this user through `su`; the agent must be root for that. */
  runas?: string;
  /** The host's allowed runas users (agent --allowed-runas); a hook without runas runs as the agent's user. Absent: any. */
  allowedRunas?: readonly string[];
  /** How long a group has between SIGTERM and SIGKILL. Default 5000. */
  killGraceMs?: number;
  /** How long output pipes may stay open after the script exited. Default 1000. */
  pipeGraceMs?: number;
  onOutput: (stream: OutputStream, line: string) => void;
  /** Aborting stops the script (its whole process group). */
  signal?: AbortSignal;
  /** Told the script's pid (= its process group id) once it runs, so a restarted agent can stop an orphaned group. */
  onSpawn?: (pid: number) => void;
}

export const messages = {
  missing: (location: string) => `Script does not exist at specified location: ${location}`,
  notAFile: (location: string) => `Script at specified location: ${location} is not a file`,
  notExecutable: (location: string) => `Unable to set script at specified location: ${location} as executable`,
  failed: (location: string, code: number, runas?: string) =>
    runas
      ? `Script at specified location: ${location} run as user ${runas} failed with exit code ${code}`
      : `Script at specified location: ${location} failed with exit code ${code}`,
  killedBySignal: (location: string, signal: string) =>
    `Script at specified location: ${location} was killed by signal ${signal}`,
  timedOut: (location: string, seconds: number) =>
    `Script at specified location: ${location} failed to complete in ${seconds} seconds`,
  cancelled: () => 'Script was stopped: the deployment was stopped',
  notStarted: (location: string, why: string) => `Script at specified location: ${location} could not be started: ${why}`,
  survivors: ' (some of its processes could not be stopped)',
  badUser: (runas: string) => `runas "${runas}" is not a valid user name`,
  notAllowed: (location: string, user: string, allowed: readonly string[]) =>
    `Script at specified location: ${location} would run as user ${user}, which this host does not allow (allowed: ${allowed.join(', ')})`,
};
