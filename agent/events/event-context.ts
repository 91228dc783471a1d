import type { AgentCommand } from '../../shared/protocol.js';
import type { Layout } from '../layout.js';
import type { ScriptLog } from '../script-log.js';
import type { HookResult, RunHookOptions } from '../hooks/index.js';
import type { HostAllowance } from '../installer/index.js';
import type { BundleLimits } from '../../shared/bundle/index.js';
import type { LoadedAppSpec } from './load-appspec.js';

/** Where DownloadBundle gets a revision: the api (AgentApiClient), or a file on this machine (`cutover local`). */
export interface BundleSource {
  /** The bundle's bytes: a Node stream from the api, a web stream from `cutover local`; read to the end. */
  downloadBundle(digest: string): Promise<AsyncIterable<Uint8Array>>;
}

/** Runs one hook script; the real one spawns it, the fleet simulator may pass a no-op. */
export type HookRunner = (options: RunHookOptions) => Promise<HookResult>;

/** What running one lifecycle event on the host needs. */
export interface EventContext {
  command: AgentCommand;
  layout: Layout;
  client: BundleSource;
  scriptLog: ScriptLog;
  /** When set, absolute appspec destinations are mapped under it (several simulated hosts on one machine). */
  installRoot?: string;
  /** Extra variables for every hook (`--hook-env`). */
  hookEnv: Record<string, string>;
  /** The runas users and files destinations this host allows (`--allowed-runas`, `--allowed-destinations`). */
  allowance?: HostAllowance;
  /** What a bundle may unpack to (CUTOVER_BUNDLE_MAX_*); the defaults when absent. */
  bundleLimits?: BundleLimits;
  runHook: HookRunner;
  /** Aborted when the deployment is stopped or the control plane gave up on the command. */
  signal: AbortSignal;
  /** Appspecs already parsed during this command, by directory (see appSpecFor). */
  appspecs?: Map<string, Promise<LoadedAppSpec>>;
  /** A hook script started (its pid leads its process group); journaled so a restart can stop it. */
  onHookSpawned: (pid: number) => void;
}
