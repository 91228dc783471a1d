/**
 * Records Cutover keeps, shaped and named as CodeDeploy's API returns them (camelCase,
 * DeploymentOverview keys in PascalCase), so users can read them with what they know.
 */
import type { DeploymentStatus, LifecycleErrorCode, LifecycleEventStatus, TargetStatus } from './statuses.js';
import type { LifecycleEventName } from './lifecycle.js';
import type { TagFilter, Tags } from './tag-filters.js';
import type { HealthPlan } from './window.js';
import type { LoadBalancerInfo } from './load-balancer.js';
import type { GitProvider, GitSource, TriggerConfig } from './triggers.js';
import type { AutoRollbackConfiguration, RollbackInfo } from './rollback.js';
import type { BlueGreenDeploymentConfiguration, BlueGreenState, InstanceLabel } from './blue-green.js';
import type { AlarmConfiguration } from './alarms.js';

export type FileExistsBehavior = 'DISALLOW' | 'OVERWRITE' | 'RETAIN';
export type BundleType = 'tgz' | 'tar' | 'zip';
/** CodeDeploy's creators, plus the git host whose push created the deployment. */
export type DeploymentCreator = 'user' | 'codeDeployRollback' | 'CodeDeploy' | GitProvider;

export interface Application {
  applicationId: string;
  applicationName: string;
  computePlatform: 'Server';
  createTime: string;
  /** The owning account (shared/domain/access.ts); absent on records written before accounts: DEFAULT_ACCOUNT. */
  accountId?: string;
}

export interface DeploymentStyle {
  deploymentType: 'IN_PLACE' | 'BLUE_GREEN';
  deploymentOption: 'WITH_TRAFFIC_CONTROL' | 'WITHOUT_TRAFFIC_CONTROL';
}

export interface DeploymentGroup {
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
  deploymentConfigName: string;
  instanceTagFilters: TagFilter[];
  instanceTagSet: TagFilter[][];
  deploymentStyle: DeploymentStyle;
  /** Notification triggers (at most 10); URLs and secrets are masked in API answers. */
  triggerConfigurations?: TriggerConfig[];
  /** A push to this repository and branch deploys the pushed commit. */
  gitSource?: GitSource;
  /** The load balancer BlockTraffic/AllowTraffic drive (used with WITH_TRAFFIC_CONTROL). Holds a secret: redact on output. */
  loadBalancerInfo?: LoadBalancerInfo;
  /** Roll back automatically on these events (copied into each deployment; CreateDeployment may override it). */
  autoRollbackConfiguration?: AutoRollbackConfiguration;
  /** BLUE_GREEN only: the two pools, the ready wait and what happens to the original pool. */
  blueGreenDeploymentConfiguration?: BlueGreenDeploymentConfiguration;
  /** Alarms watched while a blue/green deployment moves traffic. */
  alarmConfiguration?: AlarmConfiguration;
  createTime: string;
}

/** CodeDeploy's LastDeploymentInfo, as a deployment group reports its last attempted/successful deployment. */
export interface LastDeploymentInfo {
  deploymentId: string;
  status: DeploymentStatus;
  createTime: string;
  endTime?: string;
}

/**
 * A revision is always a bundle in the artifact store (by digest); a git revision also says which
 * repository and commit it was archived from (CodeDeploy's GitHubLocation {repository, commitId}).
 */
export type RevisionLocation =
  | { revisionType: 'Bundle'; digest: string }
  | { revisionType: GitProvider; digest: string; repository: string; commitId: string };

export interface RevisionInfo {
  applicationName: string;
  revision: RevisionLocation;
  bundleType: BundleType;
  size: number;
  /** Sum of the appspec's script timeouts per lifecycle event, read at upload. */
  eventTimeoutSeconds: Partial<Record<LifecycleEventName, number>>;
  registerTime: string;
  firstUsedTime?: string;
  lastUsedTime?: string;
}

export type RegistrationStatus = 'Registered' | 'Deregistered';

export interface InstanceInfo {
  instanceName: string;
  tags: Tags;
  registrationStatus: RegistrationStatus;
  registerTime: string;
  deregisterTime?: string;
  lastSeenAt?: string;
  agentVersion?: string;
  hostname?: string;
  /** The account whose enrollment token registered it; absent: DEFAULT_ACCOUNT. Only that account's groups target it. */
  accountId?: string;
}

export interface Diagnostics {
  errorCode: LifecycleErrorCode;
  scriptName: string;
  message: string;
  logTail: string;
}

export interface LifecycleEvent {
  lifecycleEventName: LifecycleEventName;
  status: LifecycleEventStatus;
  startTime?: string;
  endTime?: string;
  diagnostics?: Diagnostics;
}

export interface InstanceTarget {
  deploymentId: string;
  targetId: string;
  status: TargetStatus;
  lastUpdatedAt: string;
  lifecycleEvents: LifecycleEvent[];
  /** The agent command now open for this instance, if any (internal; not in CodeDeploy's shape). */
  commandId?: string;
  /** Set when the instance failed because its agent went silent (the deployment's AGENT_ISSUE). */
  agentIssue?: boolean;
  /** With a load balancer: `host:port` where it sends this host's traffic, read from the instance's tag at start. */
  trafficAddress?: string;
  /** Blue/green: Blue = an instance of the original pool, Green = of the replacement pool. */
  instanceLabel?: InstanceLabel;
  /** Optimistic-concurrency version; every write checks and bumps it. */
  version: number;
}

export interface DeploymentOverview {
  Pending: number;
  InProgress: number;
  Succeeded: number;
  Failed: number;
  Skipped: number;
  Ready: number;
}

export interface ErrorInformation {
  code: string;
  message: string;
}

/** What a deployment was asked to do; fixed at creation. */
export interface DeploymentSpec {
  deploymentId: string;
  /** The account owning its application (not the creator's, when a grant let another account deploy); absent: DEFAULT_ACCOUNT. Only its instances are targeted. */
  accountId?: string;
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
  deploymentConfigName: string;
  revision: RevisionLocation;
  bundleType: BundleType;
  description?: string;
  creator: DeploymentCreator;
  fileExistsBehavior: FileExistsBehavior;
  ignoreApplicationStopFailures: boolean;
  deploymentStyle: DeploymentStyle;
  /** The group's load balancer, snapshotted at creation. Holds a secret: redact on output. */
  loadBalancerInfo?: LoadBalancerInfo;
  instanceTagFilters: TagFilter[];
  instanceTagSet: TagFilter[][];
  /** From the revision: how long each event's scripts may run, for the control plane's deadline. */
  eventTimeoutSeconds: Partial<Record<LifecycleEventName, number>>;
  clientToken?: string;
  /** The group's, or this deployment's override; a rollback has none (it never rolls back itself). */
  autoRollbackConfiguration?: AutoRollbackConfiguration;
  /** Deploy only to instances not already running this revision (as recorded per instance). */
  updateOutdatedInstancesOnly?: boolean;
  /** On a rollback: the deployment it replaces. (The replaced one's side is kept with its state.) */
  rollbackInfo?: RollbackInfo;
  /** The group's blue/green settings and alarms, snapshotted at creation. */
  blueGreenDeploymentConfiguration?: BlueGreenDeploymentConfiguration;
  alarmConfiguration?: AlarmConfiguration;
  /** A blue/green rollback of a deployment that did not succeed: move traffic back, install nothing. */
  blueGreenReroute?: boolean;
}

export interface DeploymentInfo
  extends Omit<DeploymentSpec, 'bundleType' | 'instanceTagFilters' | 'instanceTagSet' | 'clientToken' | 'eventTimeoutSeconds'> {
  status: DeploymentStatus;
  errorInformation?: ErrorInformation;
  createTime: string;
  startTime?: string;
  completeTime?: string;
  deploymentOverview: DeploymentOverview;
  /** The minimum-healthy plan fixed when the deployment started. */
  healthPlan?: HealthPlan;
  /** Blue/green: the pools, the phase, the current weights, the step history and the alarm evaluations. */
  blueGreen?: Omit<BlueGreenState, 'samples'>;
}
