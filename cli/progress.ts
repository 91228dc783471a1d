/**
 * Live progress of one deployment: a model fed by the api's snapshot and its event stream (both
 * may arrive in any order: statuses only move forward, so an older fact never overwrites a newer
 * one), and two views of it: on a terminal a bar for the fleet and a line per instance redrawn in
 * place; otherwise plain lines, one per change, for logs and CI.
 */
import { DEPLOYMENT_TRANSITIONS, LIFECYCLE_EVENT_TRANSITIONS, TARGET_TRANSITIONS } from '../shared/domain/statuses.js';
import type { DeploymentStatus, LifecycleEventStatus, TargetStatus } from '../shared/domain/statuses.js';
import type { DeploymentEvent } from '../shared/domain/events.js';
import type { DeploymentInfo, InstanceTarget } from '../shared/domain/types.js';
import { bold, dim, duration, green, paintStatus, red, cyan } from './output.js';

interface EventView {
  name: string;
  status: LifecycleEventStatus;
  since?: number;
  message?: string;
  errorCode?: string;
}

interface HostView {
  instanceId: string;
  status: TargetStatus;
  events: EventView[];
}

export interface Change {
  /** A line describing it, for the plain view. */
  line: string;
}

export class DeploymentProgress {
  status: DeploymentStatus = 'Created';
  errorMessage?: string;
  readonly hosts = new Map<string, HostView>();

  constructor(readonly deploymentId: string) {}

  get finished(): boolean {
    return DEPLOYMENT_TRANSITIONS[this.status].length === 0;
  }

  /** Merge what the api says now; returns the changes it brought. */
  applySnapshot(deployment: Pick<DeploymentInfo, 'status' | 'errorInformation'>, targets: readonly InstanceTarget[]): Change[] {
    const changes: Change[] = [];
    const status = this.setStatus(deployment.status);
    if (status) changes.push(status);
    if (deployment.errorInformation) this.errorMessage = `${deployment.errorInformation.code}: ${deployment.errorInformation.message}`;
    for (const target of targets) {
      const host = this.host(target.targetId);
      const moved = this.setHostStatus(host, target.status);
      for (const event of target.lifecycleEvents) {
        const change = this.setEvent(host, event.lifecycleEventName, event.status, event.startTime ? Date.parse(event.startTime) : undefined, event.diagnostics);
        if (change) changes.push(change);
      }
      if (moved) changes.push(moved);
    }
    return changes;
  }

  applyEvent(event: DeploymentEvent): Change[] {
    switch (event.type) {
      case 'DeploymentStatus': {
        if (event.errorInformation) this.errorMessage = `${event.errorInformation.code}: ${event.errorInformation.message}`;
        const change = this.setStatus(event.status);
        return change ? [change] : [];
      }
      case 'InstanceStatus': {
        const change = this.setHostStatus(this.host(event.instanceId), event.status);
        return change ? [change] : [];
      }
      case 'LifecycleEvent': {
        const change = this.setEvent(this.host(event.instanceId), event.lifecycleEventName, event.status, event.at, event.errorCode ? { errorCode: event.errorCode, message: event.message ?? '' } : undefined);
        return change ? [change] : [];
      }
      default: {
        // Actions (a stop requested, a rollback started…) do not change a status; say them.
        const other = event as { type: string; action?: string; message?: string };
        return [{ line: `${this.deploymentId} ${other.action ?? other.type}${other.message ? `: ${other.message}` : ''}` }];
      }
    }
  }

  counts(): Record<TargetStatus, number> {
    const counts: Record<TargetStatus, number> = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Unknown: 0, Ready: 0 };
    for (const host of this.hosts.values()) counts[host.status]++;
    return counts;
  }

  private host(id: string): HostView {
    let host = this.hosts.get(id);
    if (!host) this.hosts.set(id, (host = { instanceId: id, status: 'Pending', events: [] }));
    return host;
  }

  private setStatus(status: DeploymentStatus): Change | undefined {
    if (!canTransition(DEPLOYMENT_TRANSITIONS, this.status, status)) return undefined;
    this.status = status;
    return { line: `${this.deploymentId} ${status}${this.errorMessage && this.finished ? ` (${this.errorMessage})` : ''}` };
  }

  private setHostStatus(host: HostView, status: TargetStatus): Change | undefined {
    if (!canTransition(TARGET_TRANSITIONS, host.status, status)) return undefined;
    host.status = status;
    return { line: `${host.instanceId} ${status}` };
  }

  private setEvent(
    host: HostView,
    name: string,
    status: LifecycleEventStatus,
    at: number | undefined,
    diagnostics?: { errorCode: string; message: string },
  ): Change | undefined {
    let event = host.events.find((e) => e.name === name);
    if (!event) host.events.push((event = { name, status: 'Pending' }));
    if (!canTransition(LIFECYCLE_EVENT_TRANSITIONS, event.status, status)) return undefined;
    event.status = status;
    if (status === 'InProgress') event.since = at ?? Date.now();
    if (diagnostics && status === 'Failed') {
      event.errorCode = diagnostics.errorCode;
      event.message = diagnostics.message;
    }
    const why = status === 'Failed' && event.message ? `: ${event.errorCode} ${event.message}` : '';
    return status === 'Pending' ? undefined : { line: `${host.instanceId} ${name} ${status}${why}` };
  }
}

/**
 * Whether `to` lies ahead of `from` (reachable by legal transitions): a snapshot may skip steps
 * (Pending → Succeeded), and an older fact arriving late is behind, so it is ignored.
 */
function canTransition<S extends string>(table: Record<S, readonly S[]>, from: S, to: S): boolean {
  if (from === to) return false;
  const seen = new Set<S>([from]);
  const queue = [...table[from]];
  while (queue.length > 0) {
    const next = queue.shift() as S;
    if (next === to) return true;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...table[next]);
  }
  return false;
}

const BAR_WIDTH = 24;

/** The lines of the terminal view: a bar, then a line per instance (the busiest first when they do not fit). */
export function renderProgress(p: DeploymentProgress, startedAt: number, maxLines: number, now = Date.now()): string[] {
  const counts = p.counts();
  const total = p.hosts.size;
  const done = counts.Succeeded + counts.Failed + counts.Skipped + counts.Unknown;
  const filled = total === 0 ? 0 : Math.round((done / total) * BAR_WIDTH);
  const failedPart = total === 0 ? 0 : Math.min(filled, Math.round(((counts.Failed + counts.Unknown) / total) * BAR_WIDTH));
  const bar = red('█'.repeat(failedPart)) + green('█'.repeat(filled - failedPart)) + dim('░'.repeat(BAR_WIDTH - filled));
  const summary = [
    `${counts.Succeeded} succeeded`,
    counts.InProgress ? `${counts.InProgress} in progress` : '',
    counts.Pending ? `${counts.Pending} pending` : '',
    counts.Failed + counts.Unknown ? red(`${counts.Failed + counts.Unknown} failed`) : '',
    counts.Skipped ? `${counts.Skipped} skipped` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const lines = [`${bold(p.deploymentId)} ${paintStatus(p.status)} [${bar}] ${done}/${total} ${summary ? `· ${summary} ` : ''}· ${duration(now - startedAt)}`];
  const order: Record<TargetStatus, number> = { Failed: 0, Unknown: 0, InProgress: 1, Ready: 2, Pending: 3, Succeeded: 4, Skipped: 5 };
  const hosts = [...p.hosts.values()].sort((a, b) => order[a.status] - order[b.status] || a.instanceId.localeCompare(b.instanceId));
  const room = Math.max(2, maxLines - 1);
  const width = Math.min(30, Math.max(...hosts.map((h) => h.instanceId.length), 4));
  for (const host of hosts.slice(0, hosts.length > room ? room - 1 : room)) lines.push(`  ${host.instanceId.padEnd(width)}  ${hostLine(host, now)}`);
  if (hosts.length > room) lines.push(dim(`  … ${hosts.length - room + 1} more`));
  return lines;
}

function hostLine(host: HostView, now: number): string {
  const running = host.events.find((e) => e.status === 'InProgress');
  const failed = host.events.find((e) => e.status === 'Failed');
  switch (host.status) {
    case 'Succeeded':
      return green('✓ Succeeded');
    case 'Failed':
    case 'Unknown':
      return red(`✗ ${host.status}${failed ? ` at ${failed.name}${failed.errorCode ? ` (${failed.errorCode})` : ''}` : ''}`);
    case 'Skipped':
      return dim('- Skipped');
    case 'Pending':
      return dim('· Pending');
    default:
      if (running) return cyan(`▸ ${running.name}`) + dim(running.since ? ` ${duration(now - running.since)}` : '');
      // Between two commands: say how far it got.
      const last = [...host.events].reverse().find((e) => e.status === 'Succeeded' || e.status === 'Skipped');
      return cyan(`▸ ${host.status}`) + dim(last ? ` (${last.name} done)` : '');
  }
}

/** Draws the terminal view in place: each redraw moves up over the previous one. */
export class InPlaceRenderer {
  private drawn = 0;

  constructor(private readonly write: (text: string) => void) {}

  draw(lines: readonly string[]): void {
    let out = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const line of lines) out += `\r\x1b[2K${line}\n`;
    // Clear what is left of a longer previous drawing.
    for (let i = lines.length; i < this.drawn; i++) out += '\r\x1b[2K\n';
    if (this.drawn > lines.length) out += `\x1b[${this.drawn - lines.length}A`;
    this.write(out);
    this.drawn = lines.length;
  }
}
