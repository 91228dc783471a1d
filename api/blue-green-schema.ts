/**
 * The blue/green parts of the REST API's bodies: a group's `blueGreenDeploymentConfiguration` and
 * `alarmConfiguration`, a deployment config's `trafficRoutingConfig`, and ContinueDeployment.
 * Strict, with CodeDeploy's limits, and Cutover's `…Seconds` alternatives to the minute fields.
 */
import * as z from 'zod';
import { routingProblems, type TrafficRoutingConfig } from '../shared/domain/traffic-routing.js';
import { TagFilterBody } from './tag-filter-schema.js';


const PoolBody = z.strictObject({
  poolName: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, '1 to 64 letters, digits, . _ or -'),
  tagFilters: z.array(TagFilterBody).min(1).max(10),
});

/** Minutes (CodeDeploy's field) or seconds (Cutover's), not both. */
function oneOf(minutes: number | undefined, seconds: number | undefined): boolean {
  return minutes === undefined || seconds === undefined;
}

const MAX_WAIT_MINUTES = 2880;

const DeploymentReadyOptionBody = z
  .strictObject({
    actionOnTimeout: z.enum(['CONTINUE_DEPLOYMENT', 'STOP_DEPLOYMENT']),
    waitTimeInMinutes: z.number().int().min(0).max(MAX_WAIT_MINUTES).optional(),
    waitTimeInSeconds: z.number().int().min(0).max(MAX_WAIT_MINUTES * 60).optional(),
  })
  .refine((o) => oneOf(o.waitTimeInMinutes, o.waitTimeInSeconds), { message: 'give waitTimeInMinutes or waitTimeInSeconds, not both', path: ['waitTimeInSeconds'] });

const TerminateBlueBody = z
  .strictObject({
    action: z.enum(['TERMINATE', 'KEEP_ALIVE']),
    terminationWaitTimeInMinutes: z.number().int().min(0).max(MAX_WAIT_MINUTES).optional(),
    terminationWaitTimeInSeconds: z.number().int().min(0).max(MAX_WAIT_MINUTES * 60).optional(),
  })
  .refine((o) => oneOf(o.terminationWaitTimeInMinutes, o.terminationWaitTimeInSeconds), {
    message: 'give terminationWaitTimeInMinutes or terminationWaitTimeInSeconds, not both',
    path: ['terminationWaitTimeInSeconds'],
  });

export const BlueGreenDeploymentConfigurationBody = z
  .strictObject({
    pools: z.array(PoolBody).length(2, 'exactly two pools: the live one and the idle one'),
    deploymentReadyOption: DeploymentReadyOptionBody.optional(),
    terminateBlueInstancesOnDeploymentSuccess: TerminateBlueBody.optional(),
  })
  .refine((c) => c.pools[0]?.poolName !== c.pools[1]?.poolName, { message: 'the two pools need different names', path: ['pools'] });

const AlarmName = z.string().regex(/^[A-Za-z0-9._-]{1,255}$/, '1 to 255 letters, digits, . _ or -');

const AlarmBody = z.discriminatedUnion('type', [
  z.strictObject({
    name: AlarmName,
    type: z.literal('ERROR_RATE'),
    thresholdPercent: z.number().min(0).max(100),
    minimumRequests: z.number().int().min(1).max(1_000_000).default(20),
    windowSeconds: z.number().int().min(1).max(3600).default(60),
  }),
  z.strictObject({
    name: AlarmName,
    type: z.literal('HTTP_CHECK'),
    url: z.url({ protocol: /^https?$/, message: 'an http(s) URL' }),
    expectedStatus: z.number().int().min(100).max(599).default(200),
    timeoutSeconds: z.number().int().min(1).max(60).default(5),
  }),
]);

/** CodeDeploy's AlarmConfiguration (at most 10 alarms), each alarm saying what it watches. */
export const AlarmConfigurationBody = z
  .strictObject({
    enabled: z.boolean(),
    ignorePollAlarmFailure: z.boolean().default(false),
    alarms: z.array(AlarmBody).max(10).default([]),
    evaluationIntervalSeconds: z.number().int().min(1).max(3600).default(60),
  })
  .refine((c) => new Set(c.alarms.map((a) => a.name)).size === c.alarms.length, { message: 'alarm names must differ', path: ['alarms'] });

const Percentage = z.number().int().min(1).max(99);
const Minutes = z.number().int().min(1).max(2880);
const Seconds = z.number().int().min(1).max(2880 * 60);

export const TrafficRoutingConfigBody = z
  .strictObject({
    type: z.enum(['AllAtOnce', 'TimeBasedCanary', 'TimeBasedLinear']),
    timeBasedCanary: z.strictObject({ canaryPercentage: Percentage, canaryInterval: Minutes.optional(), canaryIntervalSeconds: Seconds.optional() }).optional(),
    timeBasedLinear: z.strictObject({ linearPercentage: Percentage, linearInterval: Minutes.optional(), linearIntervalSeconds: Seconds.optional() }).optional(),
  })
  .superRefine((config, ctx) => {
    for (const message of routingProblems(config as TrafficRoutingConfig)) ctx.addIssue({ code: 'custom', message });
  });

/** ContinueDeployment: READY_WAIT starts the traffic shift; TERMINATION_WAIT ends the wait before the original pool's termination. */
export const ContinueDeploymentBody = z.strictObject({ deploymentWaitType: z.enum(['READY_WAIT', 'TERMINATION_WAIT']).default('READY_WAIT') });
