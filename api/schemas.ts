/**
 * Request bodies and queries of the REST API. Strict objects: an unknown or misspelt field is a
 * 400, not silently ignored. Limits are CodeDeploy's where it has them.
 */
import * as z from 'zod';
import { DigestSchema } from '../shared/protocol.js';
import { DeploymentStatus } from '../shared/domain/statuses.js';

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
    computePlatform: z.literal('Server').optional(),
  })
  .refine((b) => (b.name ?? b.deploymentConfigName) !== undefined, { message: 'name is required', path: ['name'] })
  .transform((b) => ({ name: (b.name ?? b.deploymentConfigName) as string, minimumHealthyHosts: b.minimumHealthyHosts }));

const TagFilterBody = z
  .strictObject({
    key: z.string().min(1).max(128).optional(),
    value: z.string().max(256).optional(),
    type: z.enum(['KEY_ONLY', 'VALUE_ONLY', 'KEY_AND_VALUE']).optional(),
  })
  .refine((f) => f.key !== undefined || f.value !== undefined, 'a tag filter needs a key or a value');

export const CreateDeploymentGroupBody = z
  .strictObject({
    name: ResourceName.optional(),
    deploymentGroupName: ResourceName.optional(),
    deploymentConfigName: ResourceName.optional(),
    instanceTagFilters: z.array(TagFilterBody).max(10).optional(),
    instanceTagSet: z.array(z.array(TagFilterBody).min(1).max(10)).min(1).max(3).optional(),
    deploymentStyle: z
      .strictObject({
        deploymentType: z.literal('IN_PLACE', { message: 'only IN_PLACE deployments are supported so far' }),
        deploymentOption: z.literal('WITHOUT_TRAFFIC_CONTROL', { message: 'traffic control needs a load balancer, which is not supported yet' }),
      })
      .optional(),
  })
  .refine((b) => (b.name ?? b.deploymentGroupName) !== undefined, { message: 'name is required', path: ['name'] })
  .refine((b) => !(b.instanceTagFilters && b.instanceTagSet), { message: 'give instanceTagFilters or instanceTagSet, not both', path: ['instanceTagSet'] })
  .transform((b) => ({
    name: (b.name ?? b.deploymentGroupName) as string,
    deploymentConfigName: b.deploymentConfigName,
    instanceTagFilters: b.instanceTagFilters ?? [],
    instanceTagSet: b.instanceTagSet ?? [],
  }));

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
