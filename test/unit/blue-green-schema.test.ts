/**
 * The blue/green request bodies (api/blue-green-schema.ts): good bodies pass (with their
 * defaults), bad ones are refused with a message that says what to change, at the right path.
 */
import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import {
  AlarmConfigurationBody,
  BlueGreenDeploymentConfigurationBody,
  ContinueDeploymentBody,
  TrafficRoutingConfigBody,
} from '../../api/blue-green-schema.js';

type Issue = { path: PropertyKey[]; message: string; code: string };
/** The issues of a body that must be refused (fails the test if it was accepted). */
function issuesOf(schema: z.ZodType, body: unknown): Issue[] {
  const result = schema.safeParse(body);
  expect(result.success, `expected ${JSON.stringify(body)} to be refused`).toBe(false);
  return result.success ? [] : result.error.issues.map((i) => ({ path: i.path, message: i.message, code: i.code }));
}

const blue = { poolName: 'blue', tagFilters: [{ key: 'pool', value: 'blue' }] };
const green = { poolName: 'green', tagFilters: [{ key: 'pool', value: 'green', type: 'KEY_AND_VALUE' }] };

describe('BlueGreenDeploymentConfigurationBody', () => {
  it.each([
    ['two pools only', { pools: [blue, green] }],
    ['with STOP_DEPLOYMENT and TERMINATE in minutes', { pools: [blue, green], deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 2880 }, terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 60 } }],
    ['with CONTINUE_DEPLOYMENT and KEEP_ALIVE in seconds', { pools: [blue, green], deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' }, terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE', terminationWaitTimeInSeconds: 5 } }],
    ['pool names with dots, dashes and underscores', { pools: [{ ...blue, poolName: 'web.blue-1_a' }, green] }],
    ['a key-only and a value-only filter', { pools: [{ poolName: 'a', tagFilters: [{ key: 'a', type: 'KEY_ONLY' }] }, { poolName: 'b', tagFilters: [{ value: 'b', type: 'VALUE_ONLY' }] }] }],
  ])('accepts %s', (_name, body) => {
    const result = BlueGreenDeploymentConfigurationBody.safeParse(body);
    expect(result.error?.issues).toBeUndefined();
    expect(result.data).toEqual(body);
  });

  it.each<[string, unknown, Partial<Issue>]>([
    ['two pools with the same name', { pools: [blue, { ...green, poolName: 'blue' }] }, { path: ['pools'], message: 'the two pools need different names' }],
    ['one pool', { pools: [blue] }, { path: ['pools'], message: 'exactly two pools: the live one and the idle one' }],
    ['three pools', { pools: [blue, green, { ...green, poolName: 'red' }] }, { path: ['pools'], message: 'exactly two pools: the live one and the idle one' }],
    ['no pools', {}, { path: ['pools'] }],
    ['an unknown field', { pools: [blue, green], greenFleetProvisioningOption: { action: 'DISCOVER_EXISTING' } }, { code: 'unrecognized_keys', message: 'Unrecognized key: "greenFleetProvisioningOption"' }],
    ['an unknown field in a pool', { pools: [blue, { ...green, weight: 5 }] }, { path: ['pools', 1], code: 'unrecognized_keys', message: 'Unrecognized key: "weight"' }],
    ['a pool name with a space', { pools: [{ ...blue, poolName: 'my pool' }, green] }, { path: ['pools', 0, 'poolName'], message: '1 to 64 letters, digits, . _ or -' }],
    ['a pool without tag filters', { pools: [{ ...blue, tagFilters: [] }, green] }, { path: ['pools', 0, 'tagFilters'] }],
    ['an empty tag filter', { pools: [{ ...blue, tagFilters: [{}] }, green] }, { path: ['pools', 0, 'tagFilters', 0], message: 'a tag filter needs a key or a value' }],
    ['ready wait in minutes and seconds', { pools: [blue, green], deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 5, waitTimeInSeconds: 30 } }, { path: ['deploymentReadyOption', 'waitTimeInSeconds'], message: 'give waitTimeInMinutes or waitTimeInSeconds, not both' }],
    ['termination wait in minutes and seconds', { pools: [blue, green], terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5, terminationWaitTimeInSeconds: 30 } }, { path: ['terminateBlueInstancesOnDeploymentSuccess', 'terminationWaitTimeInSeconds'], message: 'give terminationWaitTimeInMinutes or terminationWaitTimeInSeconds, not both' }],
    ['a ready wait over 2880 minutes', { pools: [blue, green], deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 2881 } }, { path: ['deploymentReadyOption', 'waitTimeInMinutes'] }],
    ['an unknown action', { pools: [blue, green], terminateBlueInstancesOnDeploymentSuccess: { action: 'DELETE' } }, { path: ['terminateBlueInstancesOnDeploymentSuccess', 'action'] }],
  ])('refuses %s', (_name, body, expected) => {
    expect(issuesOf(BlueGreenDeploymentConfigurationBody, body)).toContainEqual(expect.objectContaining(expected));
  });
});

describe('AlarmConfigurationBody', () => {
  it('fills in the defaults of the configuration and of each alarm', () => {
    const result = AlarmConfigurationBody.safeParse({
      enabled: true,
      alarms: [
        { name: 'errors', type: 'ERROR_RATE', thresholdPercent: 5 },
        { name: 'health', type: 'HTTP_CHECK', url: 'https://app.example/health' },
      ],
    });
    expect(result.error?.issues).toBeUndefined();
    expect(result.data).toEqual({
      enabled: true,
      ignorePollAlarmFailure: false,
      evaluationIntervalSeconds: 60,
      alarms: [
        { name: 'errors', type: 'ERROR_RATE', thresholdPercent: 5, minimumRequests: 20, windowSeconds: 60 },
        { name: 'health', type: 'HTTP_CHECK', url: 'https://app.example/health', expectedStatus: 200, timeoutSeconds: 5 },
      ],
    });
  });

  it('accepts a disabled configuration without alarms', () => {
    expect(AlarmConfigurationBody.parse({ enabled: false })).toEqual({ enabled: false, ignorePollAlarmFailure: false, alarms: [], evaluationIntervalSeconds: 60 });
  });

  const alarms = (...list: unknown[]) => ({ enabled: true, alarms: list });
  const rate = { name: 'errors', type: 'ERROR_RATE', thresholdPercent: 5 };

  it.each<[string, unknown, Partial<Issue>]>([
    ['an alarm without a name', alarms({ type: 'ERROR_RATE', thresholdPercent: 5 }), { path: ['alarms', 0, 'name'] }],
    ['duplicate alarm names', alarms(rate, { name: 'errors', type: 'HTTP_CHECK', url: 'http://x/' }), { path: ['alarms'], message: 'alarm names must differ' }],
    ['an alarm name with a space', alarms({ ...rate, name: 'my alarm' }), { path: ['alarms', 0, 'name'], message: '1 to 255 letters, digits, . _ or -' }],
    ['an unknown alarm type', alarms({ name: 'cw', type: 'CLOUDWATCH' }), { path: ['alarms', 0, 'type'] }],
    ['an unknown field in an alarm', alarms({ ...rate, statistic: 'Average' }), { path: ['alarms', 0], code: 'unrecognized_keys' }],
    ['a threshold over 100 %', alarms({ ...rate, thresholdPercent: 101 }), { path: ['alarms', 0, 'thresholdPercent'] }],
    ['a zero minimum of requests', alarms({ ...rate, minimumRequests: 0 }), { path: ['alarms', 0, 'minimumRequests'] }],
    ['a non-http URL', alarms({ name: 'h', type: 'HTTP_CHECK', url: 'ftp://x/' }), { path: ['alarms', 0, 'url'], message: 'an http(s) URL' }],
    ['an expected status that is no HTTP status', alarms({ name: 'h', type: 'HTTP_CHECK', url: 'http://x/', expectedStatus: 700 }), { path: ['alarms', 0, 'expectedStatus'] }],
    ['eleven alarms', alarms(...Array.from({ length: 11 }, (_, i) => ({ ...rate, name: `a${i}` }))), { path: ['alarms'] }],
    ['no enabled flag', { alarms: [rate] }, { path: ['enabled'] }],
  ])('refuses %s', (_name, body, expected) => {
    expect(issuesOf(AlarmConfigurationBody, body)).toContainEqual(expect.objectContaining(expected));
  });
});

describe('TrafficRoutingConfigBody', () => {
  it.each([
    ['AllAtOnce', { type: 'AllAtOnce' }],
    ['canary 10 % / 5 min', { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 5 } }],
    ['canary 50 % / 5 s', { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 50, canaryIntervalSeconds: 5 } }],
    ['linear 10 % every 320 min (2880 in all)', { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 10, linearInterval: 320 } }],
  ])('accepts %s', (_name, body) => {
    const result = TrafficRoutingConfigBody.safeParse(body);
    expect(result.error?.issues).toBeUndefined();
    expect(result.data).toEqual(body);
  });

  it.each<[string, unknown, Partial<Issue>]>([
    ['canary 100 %', { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 100, canaryInterval: 5 } }, { path: ['timeBasedCanary', 'canaryPercentage'] }],
    ['canary 100 % (in words)', { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 100, canaryInterval: 5 } }, { message: 'canaryPercentage must be a whole number from 1 to 99.' }],
    ['linear 0 %', { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 0, linearInterval: 5 } }, { path: ['timeBasedLinear', 'linearPercentage'] }],
    ['canary minutes and seconds both', { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 5, canaryIntervalSeconds: 5 } }, { message: 'Give exactly one of canaryInterval (minutes) and canaryIntervalSeconds.' }],
    ['linear minutes and seconds both', { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 10, linearInterval: 5, linearIntervalSeconds: 5 } }, { message: 'Give exactly one of linearInterval (minutes) and linearIntervalSeconds.' }],
    ['a canary without an interval', { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10 } }, { message: 'Give exactly one of canaryInterval (minutes) and canaryIntervalSeconds.' }],
    ['TimeBasedCanary without its settings', { type: 'TimeBasedCanary' }, { message: 'TimeBasedCanary needs timeBasedCanary {canaryPercentage, canaryInterval}.' }],
    ['a span over 2880 minutes', { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 1, linearInterval: 30 } }, { message: 'The shifts span 2970 minutes; at most 2880 are allowed.' }],
    ['an interval over 2880 minutes', { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 2881 } }, { path: ['timeBasedCanary', 'canaryInterval'] }],
    ['an unknown type', { type: 'Linear' }, { path: ['type'] }],
    ['an unknown field', { type: 'AllAtOnce', timeBasedBlue: {} }, { code: 'unrecognized_keys' }],
  ])('refuses %s', (_name, body, expected) => {
    expect(issuesOf(TrafficRoutingConfigBody, body)).toContainEqual(expect.objectContaining(expected));
  });
});

describe('ContinueDeploymentBody', () => {
  it.each([
    [{}, { deploymentWaitType: 'READY_WAIT' }],
    [{ deploymentWaitType: 'READY_WAIT' }, { deploymentWaitType: 'READY_WAIT' }],
    [{ deploymentWaitType: 'TERMINATION_WAIT' }, { deploymentWaitType: 'TERMINATION_WAIT' }],
  ])('%o → %o', (body, parsed) => {
    expect(ContinueDeploymentBody.parse(body)).toEqual(parsed);
  });

  it.each([[{ deploymentWaitType: 'BAKE_WAIT' }], [{ deploymentWaitType: 'READY_WAIT', deploymentId: 'd-1' }]])('refuses %o', (body) => {
    expect(issuesOf(ContinueDeploymentBody, body).length).toBeGreaterThan(0);
  });
});
