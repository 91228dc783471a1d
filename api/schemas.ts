/**
 * Request bodies and queries of the REST API. Strict objects: an unknown or misspelt field is a
 * 400, not silently ignored. Limits are CodeDeploy's where it has them.
 */
import * as z from 'zod';
import { DigestSchema, InstanceNameSchema, LifecycleEventNameSchema } from '../shared/protocol.js';
import { DeploymentStatus } from '../shared/domain/statuses.js';
import { AUTO_ROLLBACK_EVENTS } from '../shared/domain/rollback.js';
import { LoadBalancerInfoBody } from './load-balancer-schema.js';
import { GitSourceBody, TriggerConfigurationsBody } from '../shared/notifications/trigger-schema.js';
import { AlarmConfigurationBody, BlueGreenDeploymentConfigurationBody, TrafficRoutingConfigBody } from './blue-green-schema.js';
import { TagFilterBody } from './tag-filter-schema.js';

export const ResourceName = z.string().regex(/^[A-Za-z0-9._+=,@-]{1,100}$/, '1 to 100 letters, digits or . _ + = , @ -');

export const CreateApplicationBody = z
  .strictObject({ name: ResourceName.optional(), applicationName: ResourceName.optional() })
  .refine((b) => (b.name ?? b.applicationName) !== undefined, { message: 'name is required', path: ['name'] })
  .transform((b) => ({ name: (b.name ?? b.applicationName) as string }));

export const MinimumHealthyHostsBody = z
  .strictObject({ type: z.enum(['HOST_COUNT', 'FLEET_PERCENT']), value: z.number().int().min(0) })
  .refine((m) => m.type !== 'FLEET_PERCENT' || m.value <= 99, { message: 'FLEET_PERCENT must be between 0 and 99', path: ['value'] });

export const CreateDeploymentConfigBody = z
  .strictObject({
    name: ResourceName.optional(),
    deploymentConfigName: ResourceName.optional(),
    minimumHealthyHosts: MinimumHealthyHostsBody,
    /** Blue/green: how traffic moves to the replacement pool (AllAtOnce when absent). */
    trafficRoutingConfig: TrafficRoutingConfigBody.optional(),
    computePlatform: z.literal('Server').optional(),
  })
  .refine((b) => (b.name ?? b.deploymentConfigName) !== undefined, { message: 'name is required', path: ['name'] })
  .transform((b) => ({ name: (b.name ?? b.deploymentConfigName) as string, minimumHealthyHosts: b.minimumHealthyHosts, trafficRoutingConfig: b.trafficRoutingConfig }));

/** CodeDeploy's AutoRollbackConfiguration; enabled with no events rolls back on nothing. */
export const AutoRollbackConfigurationBody = z.strictObject({
  enabled: z.boolean(),
  events: z
    .array(z.enum(AUTO_ROLLBACK_EVENTS))
    .max(AUTO_ROLLBACK_EVENTS.length)
    .refine((events) => new Set(events).size === events.length, 'each event at most once')
    .default([]),
});

/** StopDeployment: `autoRollbackEnabled` overrides the deployment's DEPLOYMENT_STOP_ON_REQUEST setting. */
export const StopDeploymentBody = z.strictObject({ autoRollbackEnabled: z.boolean().optional() });

/** A manual rollback takes no options: the server picks the revision (the group's last success before it). */
export const RollbackDeploymentBody = z.strictObject({});

/** ListApplicationRevisions' sorting and `deployed` filter (include = used by a deployment, exclude = never used). */
export const ListRevisionsQuery = z.strictObject({
  sortBy: z.enum(['registerTime', 'firstUsedTime', 'lastUsedTime']).optional(),
  sortOrder: z.enum(['ascending', 'descending']).optional(),
  deployed: z.enum(['include', 'exclude', 'ignore']).optional(),
});


export const CreateDeploymentGroupBody = z
  .strictObject({
    name: ResourceName.optional(),
    deploymentGroupName: ResourceName.optional(),
    deploymentConfigName: ResourceName.optional(),
    instanceTagFilters: z.array(TagFilterBody).max(10).optional(),
    instanceTagSet: z.array(z.array(TagFilterBody).min(1).max(10)).min(1).max(3).optional(),
    deploymentStyle: z
      .strictObject({
        deploymentType: z.enum(['IN_PLACE', 'BLUE_GREEN']),
        deploymentOption: z.enum(['WITH_TRAFFIC_CONTROL', 'WITHOUT_TRAFFIC_CONTROL']),
      })
      .optional(),
    loadBalancerInfo: LoadBalancerInfoBody.optional(),
    triggerConfigurations: TriggerConfigurationsBody.optional(),
    gitSource: GitSourceBody.optional(),
    autoRollbackConfiguration: AutoRollbackConfigurationBody.optional(),
    blueGreenDeploymentConfiguration: BlueGreenDeploymentConfigurationBody.optional(),
    alarmConfiguration: AlarmConfigurationBody.optional(),
  })
  .refine((b) => (b.name ?? b.deploymentGroupName) !== undefined, { message: 'name is required', path: ['name'] })
  // CodeDeploy's blue/green on servers always moves traffic through a load balancer, between two pools.
  .refine((b) => b.deploymentStyle?.deploymentType !== 'BLUE_GREEN' || b.deploymentStyle.deploymentOption === 'WITH_TRAFFIC_CONTROL', {
    message: 'BLUE_GREEN needs deploymentOption WITH_TRAFFIC_CONTROL',
    path: ['deploymentStyle', 'deploymentOption'],
  })
  .refine((b) => b.deploymentStyle?.deploymentType !== 'BLUE_GREEN' || b.blueGreenDeploymentConfiguration !== undefined, {
    message: 'BLUE_GREEN needs blueGreenDeploymentConfiguration with its two pools',
    path: ['blueGreenDeploymentConfiguration'],
  })
  .refine((b) => !(b.instanceTagFilters && b.instanceTagSet), { message: 'give instanceTagFilters or instanceTagSet, not both', path: ['instanceTagSet'] })
  // CodeDeploy keeps loadBalancerInfo without WITH_TRAFFIC_CONTROL (unused); the reverse cannot work.
  .refine((b) => b.deploymentStyle?.deploymentOption !== 'WITH_TRAFFIC_CONTROL' || b.loadBalancerInfo !== undefined, {
    message: 'WITH_TRAFFIC_CONTROL needs loadBalancerInfo',
    path: ['loadBalancerInfo'],
  })
  .transform((b) => ({
    name: (b.name ?? b.deploymentGroupName) as string,
    deploymentConfigName: b.deploymentConfigName,
    instanceTagFilters: b.instanceTagFilters ?? [],
    instanceTagSet: b.instanceTagSet ?? [],
    deploymentStyle: b.deploymentStyle ?? { deploymentType: 'IN_PLACE' as const, deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' as const },
    loadBalancerInfo: b.loadBalancerInfo,
    triggerConfigurations: b.triggerConfigurations,
    gitSource: b.gitSource,
    autoRollbackConfiguration: b.autoRollbackConfiguration,
    blueGreenDeploymentConfiguration: b.blueGreenDeploymentConfiguration,
    alarmConfiguration: b.alarmConfiguration,
  }));

type Updatable<S extends z.core.$ZodShape> = { [K in keyof S]: z.ZodOptional<z.ZodNullable<S[K]>> };

/**
 * UpdateDeploymentGroup (PUT …/deployment-groups/:group): derived from the create body, so a field
 * added there can be updated too. Each field is optional (left out = kept as stored) or null (back
 * to its default, or removed); `name`, if given, must be the group's own. This only checks each
 * field: the route merges the body into the stored group and parses the result with
 * CreateDeploymentGroupBody, so the cross-field rules are the create rules. Renaming
 * (newDeploymentGroupName) is refused: see api/group-update.ts.
 */
export const UpdateDeploymentGroupBody = z.strictObject({
  ...(Object.fromEntries(Object.entries(CreateDeploymentGroupBody.in.shape).map(([key, field]) => [key, field.nullable().optional()])) as Updatable<
    typeof CreateDeploymentGroupBody.in.shape
  >),
  newDeploymentGroupName: ResourceName.optional(),
});

export const RevisionLocationBody = z.strictObject({ revisionType: z.literal('Bundle'), digest: DigestSchema });

export const CreateDeploymentBody = z.strictObject({
  applicationName: ResourceName,
  deploymentGroupName: ResourceName,
  revision: RevisionLocationBody,
  deploymentConfigName: ResourceName.optional(),
  description: z.string().max(256).optional(),
  fileExistsBehavior: z.enum(['DISALLOW', 'OVERWRITE', 'RETAIN']).optional(),
  ignoreApplicationStopFailures: z.boolean().optional(),
  clientToken: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, '1 to 64 letters, digits, _ or -').optional(),
  /** Overrides the group's for this deployment. */
  autoRollbackConfiguration: AutoRollbackConfigurationBody.optional(),
  /** Deploy only to instances not already running this revision. */
  updateOutdatedInstancesOnly: z.boolean().optional(),
});

const STATUSES = Object.values(DeploymentStatus) as [DeploymentStatus, ...DeploymentStatus[]];

export const ListDeploymentsQuery = z.strictObject({
  applicationName: ResourceName.optional(),
  deploymentGroupName: ResourceName.optional(),
  /** One status or a comma-separated list. */
  status: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(z.array(z.enum(STATUSES)))
    .optional(),
});

export const DeploymentIdParam = z.string().regex(/^d-[A-Z0-9]{9}$/, 'a deployment id like d-ABCDEF123');

/** Which lifecycle event's log to read (all of them, in order, when absent). */
export const TargetLogsQuery = z.strictObject({ event: LifecycleEventNameSchema.optional() });

/** A Redis stream id, the SSE `id:` of every message and so a client's Last-Event-ID. */
export const StreamIdSchema = z.string().regex(/^\d{1,20}-\d{1,20}$/, 'an event id like 1764230400000-0');

/** SSE endpoints: `after` stands in for the Last-Event-ID header (EventSource cannot set headers on its first request). */
export const EventStreamQuery = z.strictObject({ after: StreamIdSchema.optional() });

export const LogStreamQuery = z.strictObject({
  after: StreamIdSchema.optional(),
  instance: InstanceNameSchema.optional(),
  event: LifecycleEventNameSchema.optional(),
});
