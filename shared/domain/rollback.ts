/**
 * Automatic rollback, as CodeDeploy does it, in pure functions:
 *
 * - A group's `autoRollbackConfiguration {enabled, events}` is copied into each deployment when it
 *   is created; CreateDeployment may override it. StopDeployment's `autoRollbackEnabled`, when
 *   given, overrides both for that stop.
 * - A rollback is a NEW deployment (creator `codeDeployRollback`) of the revision of the last
 *   deployment that succeeded on the group, reusing that deployment's fileExistsBehavior. The two
 *   are linked both ways through `rollbackInfo`.
 * - A rollback never triggers a rollback of itself; a deployment that never started changed no
 *   host, so it has nothing to roll back.
 * - With no earlier success on the group there is nothing to roll back to: the deployment says so.
 */
import type { DeploymentStatus } from './statuses.js';

export const AUTO_ROLLBACK_EVENTS = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'] as const;
export type AutoRollbackEvent = (typeof AUTO_ROLLBACK_EVENTS)[number];

export interface AutoRollbackConfiguration {
  enabled: boolean;
  events: AutoRollbackEvent[];
}

/** CodeDeploy's RollbackInfo: on the replaced deployment the first and last, on the rollback the last two. */
export interface RollbackInfo {
  rollbackDeploymentId?: string;
  rollbackTriggeringDeploymentId?: string;
  rollbackMessage?: string;
}

export const ROLLBACK_CREATOR = 'codeDeployRollback';

/** What closing a deployment came to, as far as rollback is concerned. */
export interface Ending {
  status: Extract<DeploymentStatus, 'Succeeded' | 'Failed' | 'Stopped'>;
  errorCode?: string;
  /** The deployment had started (it may have changed hosts). */
  started: boolean;
}

export interface RollbackSubject {
  creator: string;
  autoRollbackConfiguration?: AutoRollbackConfiguration;
  /** StopDeployment's autoRollbackEnabled, when the stop request gave one. */
  stopRollback?: boolean;
}

/** The configured event that an ending matches, if any. */
export function rollbackEventOf(ending: Ending): AutoRollbackEvent | undefined {
  if (ending.status === 'Failed') return 'DEPLOYMENT_FAILURE';
  if (ending.status === 'Stopped' && ending.errorCode === 'ALARM_ACTIVE') return 'DEPLOYMENT_STOP_ON_ALARM';
  // A blue/green deployment whose ready wait ran out moved no traffic and changed no live host.
  if (ending.status === 'Stopped' && ending.errorCode === 'TIMEOUT') return undefined;
  if (ending.status === 'Stopped') return 'DEPLOYMENT_STOP_ON_REQUEST';
  return undefined;
}

/** Whether this ending asks for an automatic rollback (the last good revision is looked up afterwards). */
export function wantsRollback(subject: RollbackSubject, ending: Ending): boolean {
  if (subject.creator === ROLLBACK_CREATOR || !ending.started) return false;
  const event = rollbackEventOf(ending);
  if (!event) return false;
  if (event === 'DEPLOYMENT_STOP_ON_REQUEST' && subject.stopRollback !== undefined) return subject.stopRollback;
  const config = subject.autoRollbackConfiguration;
  return config !== undefined && config.enabled && config.events.includes(event);
}

/** The deployment a rollback would redeploy: the group's last success. */
export interface LastGood {
  deploymentId: string;
  revisionDigest: string;
  fileExistsBehavior: 'DISALLOW' | 'OVERWRITE' | 'RETAIN';
  ignoreApplicationStopFailures: boolean;
}

export type RollbackPlan =
  | { kind: 'none'; message: string }
  | {
      kind: 'create';
      lastGood: LastGood;
      clientToken: string;
      /** Recorded on the replaced deployment once the rollback exists. */
      messageForTriggering: (rollbackId: string) => string;
      /** Recorded on the rollback itself. */
      messageForRollback: string;
    };

/**
 * Deterministic, so a retried job finds the rollback it already created instead of making a second.
 * The ':' cannot appear in a clientToken a user sends (see api/schemas.ts), so no request can take it.
 */
export function rollbackClientToken(triggeringId: string): string {
  return `rollback:${triggeringId}`;
}

export function planRollback(
  triggering: { deploymentId: string; deploymentGroupName: string },
  ending: Ending,
  lastGood: LastGood | undefined,
): RollbackPlan {
  const event = rollbackEventOf(ending) ?? 'DEPLOYMENT_FAILURE';
  if (!lastGood) {
    return {
      kind: 'none',
      message:
        `Automatic rollback (${event}) was not performed: no deployment has succeeded on deployment group ` +
        `${triggering.deploymentGroupName} yet, so there is no earlier revision to roll back to.`,
    };
  }
  const revision = shortDigest(lastGood.revisionDigest);
  return {
    kind: 'create',
    lastGood,
    clientToken: rollbackClientToken(triggering.deploymentId),
    messageForTriggering: (rollbackId) =>
      `Automatic rollback (${event}) started: deployment ${rollbackId} redeploys revision ${revision}, ` +
      `last deployed successfully by ${lastGood.deploymentId}.`,
    messageForRollback:
      `Rollback of deployment ${triggering.deploymentId} (${event}) to revision ${revision}, ` +
      `last deployed successfully by ${lastGood.deploymentId}.`,
  };
}

/** The message kept when creating the rollback was refused (e.g. its revision is gone). */
export function rollbackFailedMessage(ending: Ending, reason: string): string {
  return `Automatic rollback (${rollbackEventOf(ending) ?? 'DEPLOYMENT_FAILURE'}) could not be started: ${reason}`;
}

function shortDigest(digest: string): string {
  return digest.length > 12 ? digest.slice(0, 12) : digest;
}

/** The effective configuration of a new deployment: its own override, else its group's. */
export function effectiveRollbackConfiguration(
  group: AutoRollbackConfiguration | undefined,
  override: AutoRollbackConfiguration | undefined,
): AutoRollbackConfiguration | undefined {
  return override ?? group;
}

/**
 * A manual rollback (POST /v1/deployments/:id/rollback) goes back to the last deployment of the
 * group that succeeded before this one was created (deployments of a group run one at a time, so
 * that one also finished before this one started).
 */
export function lastGoodBefore<T extends { deploymentId: string; status: string; createTime: string }>(
  groupDeployments: readonly T[],
  deployment: { deploymentId: string; createTime: string },
): T | undefined {
  return groupDeployments
    .filter((d) => d.deploymentId !== deployment.deploymentId && d.status === 'Succeeded' && d.createTime < deployment.createTime)
    .sort((a, b) => b.createTime.localeCompare(a.createTime))[0];
}

export function manualRollbackMessages(triggeringId: string, lastGood: LastGood): { forTriggering: (rollbackId: string) => string; forRollback: string } {
  const revision = shortDigest(lastGood.revisionDigest);
  return {
    forTriggering: (rollbackId) =>
      `Rolled back on request: deployment ${rollbackId} redeploys revision ${revision}, last deployed successfully by ${lastGood.deploymentId}.`,
    forRollback: `Rollback of deployment ${triggeringId} (requested) to revision ${revision}, last deployed successfully by ${lastGood.deploymentId}.`,
  };
}

/**
 * A blue/green deployment that did not succeed never swapped the pools: the live pool still runs
 * the last good revision, so its rollback only moves traffic back (CodeDeploy's blue/green
 * rollback). A succeeded one is rolled back by a full deployment onto the idle pool.
 */
export function isBlueGreenReroute(state: { status: DeploymentStatus; spec: { deploymentStyle: { deploymentType: string } } }): boolean {
  return state.spec.deploymentStyle.deploymentType === 'BLUE_GREEN' && state.status !== 'Succeeded';
}
