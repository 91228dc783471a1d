/**
 * One host's agent. It registers (once; the token is kept under its root), long-polls the api
 * for commands (each poll is also its heartbeat), and runs them: commands of one deployment group
 * one at a time, different groups side by side. No module-level state, so one process can host
 * many agents (tests, the fleet simulator) while production runs one per host.
 */
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../shared/logger.js';
import type { AgentCommand } from '../shared/protocol.js';
import type { Tags } from '../shared/domain/tag-filters.js';
import { AgentApiClient, AgentApiError, type RetryPolicy } from './api-client.js';
import { loadIdentity, saveIdentity } from './identity.js';
import { Journal, type JournalEntry } from './journal.js';
import { Layout } from './layout.js';
import { CommandReporter } from './reporter.js';
import { ScriptLog } from './script-log.js';
import { failedAfterRestart, runCommandEvents } from './command-runner.js';
import type { HookRunner } from './events/event-context.js';
import { runHookScript } from './hooks/index.js';
import { stopMarkedHooks, stopOrphanedHook } from './orphan-hooks.js';
import type { HostAllowance } from './installer/index.js';
import type { BundleLimits } from '../shared/bundle/index.js';

export const AGENT_VERSION = '0.1.0';

export interface AgentOptions {
  apiUrl: string;
  enrollToken: string;
  name: string;
  tags: Tags;
  root: string;
  installRoot?: string;
  hookEnv?: Record<string, string>;
  /** The runas users and files destinations this host allows; absent: any. */
  allowance?: HostAllowance;
  /** What a bundle may unpack to (CUTOVER_BUNDLE_MAX_*). */
  bundleLimits?: BundleLimits;
  log: Logger;
  /** Replaces the real hook runner (the fleet simulator's no-op mode). */
  hookRunner?: HookRunner;
  retry?: RetryPolicy;
  /** Called whenever the last running command is done (agent/idle-collection.ts). */
  onIdle?: () => void;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

/** Pause after a poll that only repeated cancellations already being handled, so polls don't spin. */
const CANCEL_ONLY_PAUSE_MS = 1000;
const POLL_ERROR_PAUSE_MS = 5000;
const FINISHED_MEMORY = 200;
const ORPHAN_KILL_GRACE_MS = 2000;

export class Agent {
  private readonly stopController = new AbortController();
  private readonly client: AgentApiClient;
  private readonly layout: Layout;
  private readonly journal: Journal;
  /** Commands being run or whose results are still being delivered, by id. */
  private readonly running = new Map<string, Running>();
  /** Commands finished and delivered; the api may still list one briefly. */
  private readonly finished = new Set<string>();
  /** The tail of each deployment group's chain of commands (one at a time per group). */
  private readonly groupChains = new Map<string, Promise<void>>();
  private pollWaitMs = 20_000;
  private pollLoop: Promise<void> | undefined;

  constructor(private readonly options: AgentOptions) {
    this.layout = new Layout(options.root);
    this.journal = new Journal(options.root);
    this.client = new AgentApiClient(
      options.apiUrl.replace(/\/+$/, ''),
      this.stopController.signal,
      (what, err, attempt) => options.log.warn({ what, attempt, err: (err as Error).message }, 'api call failed; retrying'),
      options.retry,
    );
  }

  get name(): string {
    return this.options.name;
  }

  async start(): Promise<void> {
    // A simulated host's filesystem root exists from the start, as a real host's / does.
    if (this.options.installRoot) await mkdir(this.options.installRoot, { recursive: true });
    await this.authenticate();
    await this.recoverJournal();
    this.pollLoop = this.pollForever();
  }

  /** Stop polling and wait for running commands (up to `waitMs`, then their hooks are killed). */
  async stop(waitMs = 30_000): Promise<void> {
    this.stopController.abort();
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    const timedOut = await Promise.race([all.then(() => false), sleep(waitMs).then(() => true)]);
    if (timedOut) for (const r of this.running.values()) r.controller.abort();
    await this.pollLoop?.catch(() => undefined);
  }

  private async authenticate(): Promise<void> {
    const { options } = this;
    const identity = await loadIdentity(options.root);
    if (identity && identity.apiUrl === options.apiUrl && identity.instanceName === options.name) {
      this.client.useToken(identity.instanceToken);
      try {
        await this.client.poll({ known: [] }, 0);
        return;
      } catch (err) {
        if (!(err instanceof AgentApiError && err.status === 401)) throw err;
        options.log.warn('the stored instance token was refused; registering again');
      }
    }
    const registered = await this.client.register(options.enrollToken, {
      name: options.name,
      tags: options.tags,
      hostname: os.hostname(),
      agentVersion: AGENT_VERSION,
    });
    this.client.useToken(registered.instanceToken);
    this.pollWaitMs = registered.pollWaitSeconds * 1000;
    await saveIdentity(options.root, { apiUrl: options.apiUrl, instanceName: registered.instanceName, instanceToken: registered.instanceToken });
    options.log.info({ instanceId: registered.instanceName }, 'registered');
  }

  /** Commands interrupted by a restart fail honestly; undelivered results are delivered. */
  private async recoverJournal(): Promise<void> {
    for (const entry of await this.journal.load()) {
      const id = entry.command.commandId;
      if (entry.reported) {
        this.rememberFinished(id);
        continue;
      }
      if (entry.runningHook && (await stopOrphanedHook(entry.runningHook, ORPHAN_KILL_GRACE_MS))) {
        this.options.log.warn({ commandId: id, pgid: entry.runningHook.pgid }, 'stopped a hook left running by the previous agent process');
      }
      if (!entry.complete) {
        // Also the ones spawned too late to be journaled: found by the command id in their environment.
        const stopped = await stopMarkedHooks(id, ORPHAN_KILL_GRACE_MS);
        if (stopped > 0) this.options.log.warn({ commandId: id, groups: stopped }, 'stopped hook process groups left running by the previous agent process (found by their marker)');
      }
      const recovered = entry.complete ? entry : failedAfterRestart(entry);
      if (!entry.complete) this.options.log.warn({ commandId: id }, 'failing the command that was running when the agent stopped');
      await this.journal.write(recovered);
      this.track(id, async (reporter) => {
        for (const update of recovered.events) reporter.event(update);
        return recovered;
      });
    }
    await this.journal.prune();
  }

  private async pollForever(): Promise<void> {
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      try {
        const known = [...this.running.keys(), ...this.finished];
        const answer = await this.client.poll({ known: known.slice(-1000) }, this.pollWaitMs);
        for (const command of answer.commands) this.accept(command);
        for (const id of answer.cancel) this.running.get(id)?.controller.abort();
        if (answer.commands.length === 0 && answer.cancel.length > 0) await sleep(CANCEL_ONLY_PAUSE_MS, undefined, { signal }).catch(() => undefined);
      } catch (err) {
        if (signal.aborted) return;
        this.options.log.error({ err: (err as Error).message }, 'poll failed');
        await sleep(POLL_ERROR_PAUSE_MS, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  private accept(command: AgentCommand): void {
    const id = command.commandId;
    if (this.running.has(id) || this.finished.has(id)) return;
    this.options.log.info({ commandId: id, deploymentId: command.deploymentId, events: command.events }, 'command received');
    const groupId = command.deploymentGroupId;
    this.track(id, async (reporter, signal) => {
      // Wait for the group's previous command: two deployments of one group never interleave on a host.
      const previous = this.groupChains.get(groupId) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => (release = resolve));
      this.groupChains.set(groupId, previous.then(() => mine));
      await previous;
      try {
        return await this.execute(command, reporter, signal);
      } finally {
        release();
        if (this.groupChains.get(groupId) === mine) this.groupChains.delete(groupId);
      }
    });
  }

  /** Run `work`, then deliver its completion; the command stays "known" to the api until then. */
  private track(id: string, work: (reporter: CommandReporter, signal: AbortSignal) => Promise<JournalEntry>): void {
    const controller = new AbortController();
    const log = this.options.log.child({ commandId: id });
    const reporter = new CommandReporter(
      this.client,
      id,
      () => controller.abort(),
      (err) => log.warn({ err: err.message }, 'the api refused a report; giving up on this command'),
    );
    const done = (async () => {
      try {
        const entry = await work(reporter, controller.signal);
        await reporter.finish();
        await this.journal.write({ ...entry, reported: true });
        this.rememberFinished(id);
      } catch (err) {
        if (!this.stopController.signal.aborted) log.error({ err }, 'command failed unexpectedly');
      } finally {
        this.running.delete(id);
        if (this.running.size === 0) this.options.onIdle?.();
      }
    })();
    this.running.set(id, { controller, done });
  }

  /** A bounded memory of delivered commands: the agent must not grow with every deployment. */
  private rememberFinished(id: string): void {
    this.finished.add(id);
    if (this.finished.size > FINISHED_MEMORY) this.finished.delete(this.finished.values().next().value as string);
  }

  private async execute(command: AgentCommand, reporter: CommandReporter, signal: AbortSignal): Promise<JournalEntry> {
    const entry: JournalEntry = { command, events: [], complete: false, reported: false, updatedAt: new Date().toISOString() };
    await this.journal.write(entry);
    const scriptLog = new ScriptLog(this.layout.scriptLog(command.deploymentGroupId, command.deploymentId), (text, event) => reporter.log(text, event));
    try {
      return await runCommandEvents(
        {
          command,
          layout: this.layout,
          client: this.client,
          scriptLog,
          installRoot: this.options.installRoot,
          hookEnv: this.options.hookEnv ?? {},
          allowance: this.options.allowance,
          bundleLimits: this.options.bundleLimits,
          runHook: this.options.hookRunner ?? runHookScript,
          signal,
        },
        this.journal,
        reporter,
        entry,
      );
    } finally {
      await scriptLog.close();
    }
  }
}
