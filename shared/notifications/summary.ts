/**
 * The human-readable content shared by email and Slack: a subject line, a headline and labelled
 * fields. Pure, so both channels say the same thing and tests can check it without a server.
 */
import type { RevisionLocation } from '../domain/types.js';
import type { Notice } from './notice.js';

export interface Summary {
  subject: string;
  headline: string;
  /** 'good' | 'bad' | 'neutral': a colour or an emoji for the channel to pick. */
  tone: 'good' | 'bad' | 'neutral';
  fields: [label: string, value: string][];
  error?: string;
  link?: string;
}

export function describeRevision(revision: RevisionLocation | undefined): string {
  if (!revision) return '';
  if (revision.revisionType === 'Bundle') return `bundle sha256:${revision.digest.slice(0, 12)}`;
  return `${revision.revisionType} ${revision.repository}@${revision.commitId.slice(0, 12)}`;
}

function overviewLine(notice: Notice): string {
  const o = notice.overview;
  if (!o) return '';
  return `Succeeded ${o.Succeeded}, Failed ${o.Failed}, Skipped ${o.Skipped}, InProgress ${o.InProgress}, Pending ${o.Pending}${o.Ready ? `, Ready ${o.Ready}` : ''}`;
}

function toneOf(notice: Notice): Summary['tone'] {
  if (notice.status === 'Succeeded' || notice.status === 'Ready') return 'good';
  if (notice.status === 'Failed' || notice.status === 'Stopped') return 'bad';
  return 'neutral';
}

export function summarize(notice: Notice): Summary {
  const where = `${notice.applicationName}/${notice.deploymentGroupName}`;
  if (notice.kind === 'test') {
    return {
      subject: `[Cutover] Test notification: ${where} (trigger ${notice.triggerName})`,
      headline: notice.message.eventType === 'Test' ? notice.message.message : 'Test notification',
      tone: 'neutral',
      fields: [
        ['Application', notice.applicationName],
        ['Deployment group', notice.deploymentGroupName],
        ['Trigger', notice.triggerName],
      ],
    };
  }
  const fields: [string, string][] = [
    ['Application', notice.applicationName],
    ['Deployment group', notice.deploymentGroupName],
    ['Deployment', notice.deploymentId ?? ''],
  ];
  if (notice.kind === 'instance') fields.push(['Instance', notice.instanceId ?? '']);
  fields.push(['Status', notice.status], ['Revision', describeRevision(notice.revision)]);
  if (notice.creator && notice.creator !== 'user') fields.push(['Created by', notice.creator]);
  if (notice.kind === 'deployment') fields.push(['Instances', overviewLine(notice)]);
  if (notice.rollbackDeploymentId) fields.push(['Rolled back by', notice.rollbackDeploymentId]);
  if (notice.createTime) fields.push(['Created', notice.createTime]);
  if (notice.startTime) fields.push(['Started', notice.startTime]);
  if (notice.completeTime) fields.push(['Ended', notice.completeTime]);
  fields.push(['Trigger', `${notice.triggerName} (${notice.triggerEvent})`]);

  let error: string | undefined;
  if (notice.error) error = `${notice.error.code}: ${notice.error.message}`;
  const failedEvent = notice.lifecycleEvents?.find((e) => e.status === 'Failed');
  if (!error && failedEvent) error = `${failedEvent.name} failed${failedEvent.errorCode ? ` (${failedEvent.errorCode})` : ''}${failedEvent.message ? `: ${failedEvent.message}` : ''}`;

  const subject =
    notice.kind === 'instance'
      ? `[Cutover] ${notice.triggerEvent}: ${notice.instanceId} in ${where} deployment ${notice.deploymentId} ${notice.status}`
      : `[Cutover] ${notice.triggerEvent}: ${where} deployment ${notice.deploymentId} ${notice.status}`;
  const headline =
    notice.kind === 'instance'
      ? `Instance ${notice.instanceId} of deployment ${notice.deploymentId} (${where}) is ${notice.status}.`
      : `Deployment ${notice.deploymentId} of ${where} is ${notice.status}.`;
  return { subject, headline, tone: toneOf(notice), fields, error, link: notice.link };
}
