/**
 * The dashboard's pure parts, in Node: the SSE parser it reads the api's event streams with
 * (web/src/sse-parse.ts) and its hash routes (web/src/router.ts). The pages themselves are
 * exercised in a real browser by test/e2e/dashboard.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { sseParser } from '../../web/src/sse-parse.js';
import { href, parseHash } from '../../web/src/router.js';
import type { DeploymentInfo, InstanceInfo, InstanceTarget } from '../../shared/domain/types.js';
import type * as Web from '../../web/src/types.js';
import type { DeploymentEvent as DomainEvent } from '../../shared/domain/events.js';

/**
 * The dashboard declares the API's records itself (web/ is built for the browser, apart from the
 * server code). These assignments make `npm test`'s type-check fail when a record the API sends
 * (shared/domain) stops fitting what the dashboard reads — e.g. the blue/green fields it charts.
 */
export const recordsFit = {
  deployment: (d: DeploymentInfo): Web.Deployment => d,
  blueGreen: (d: DeploymentInfo): Web.BlueGreenInfo | undefined => d.blueGreen,
  target: (t: InstanceTarget): Web.Target => t,
  instance: (i: InstanceInfo): Web.Instance => i,
  event: (e: DomainEvent): Pick<Web.DeploymentEvent, 'type' | 'deploymentId'> => e,
};

/** And every field the dashboard reads is one the API has (a renamed field fails here, not in a browser). */
type Unknown<Web, Api> = Record<Exclude<keyof NonNullable<Web>, keyof NonNullable<Api>>, never>;
type Item<T> = NonNullable<T> extends readonly (infer I)[] ? I : never;
type BlueGreen = DeploymentInfo['blueGreen'];
export const noUnknownFields: [
  Unknown<Web.Deployment, DeploymentInfo>,
  Unknown<Web.BlueGreenInfo, BlueGreen>,
  Unknown<Web.ShiftRecord, Item<NonNullable<BlueGreen>['history']>>,
  Unknown<Web.AlarmEvaluation, Item<NonNullable<BlueGreen>['alarmEvaluations']>>,
  Unknown<Web.Target, InstanceTarget>,
  Unknown<Web.LifecycleEvent, Item<InstanceTarget['lifecycleEvents']>>,
  Unknown<Web.Instance, InstanceInfo>,
] = [{}, {}, {}, {}, {}, {}, {}];

describe('dashboard SSE parser', () => {
  it('reads what the api sends: retry, id, event, JSON data, heartbeat comments', () => {
    const p = sseParser();
    const wire = 'retry: 2000\n\nid: 1-0\nevent: DeploymentStatus\ndata: {"status":"InProgress"}\n\n: ping\n\nid: 2-0\nevent: LifecycleEvent\ndata: {"a":1}\n\n';
    expect(p.push(wire)).toEqual([
      { id: '1-0', event: 'DeploymentStatus', data: '{"status":"InProgress"}' },
      { id: '2-0', event: 'LifecycleEvent', data: '{"a":1}' },
    ]);
    expect(p.lastId).toBe('2-0');
    expect(p.retryMs).toBe(2000);
  });

  it.each([
    ['split mid-field', ['id: 7-1\nev', 'ent: log\nda', 'ta: hello\n', '\n']],
    ['CRLF line ends, split inside a CRLF', ['id: 7-1\r\nevent: log\r', '\ndata: hello\r\n\r\n']],
    // A CR that ends a chunk may be half a CRLF: it counts once the next chunk shows it is not.
    ['CR line ends', ['id: 7-1\revent: log\rdata: hello\r\r', ': ping\r']],
  ])('joins chunks however they are cut (%s)', (_name, chunks) => {
    const p = sseParser();
    const got = chunks.flatMap((c) => p.push(c));
    expect(got).toEqual([{ id: '7-1', event: 'log', data: 'hello' }]);
  });

  it('joins several data lines, defaults the event, keeps a message without id', () => {
    const p = sseParser();
    expect(p.push('data: one\ndata:two\n\nevent: end\ndata: {}\n\n')).toEqual([
      { event: 'message', data: 'one\ntwo' },
      { event: 'end', data: '{}' },
    ]);
    expect(p.lastId).toBeUndefined();
  });

  it('keeps an incomplete message until its blank line comes', () => {
    const p = sseParser();
    expect(p.push('id: 3-0\nevent: log\ndata: partial\n')).toEqual([]);
    expect(p.push('\n')).toEqual([{ id: '3-0', event: 'log', data: 'partial' }]);
  });
});

describe('dashboard routes', () => {
  it.each([
    ['', { page: 'deployments' }],
    ['#/', { page: 'deployments' }],
    ['#/deployments?app=web&status=Failed', { page: 'deployments' }],
    ['#/deployments/d-ABC123456', { page: 'deployment', id: 'd-ABC123456' }],
    ['#/instances', { page: 'instances' }],
    ['#/applications', { page: 'applications' }],
    ['#/nope/nope/nope', { page: 'notFound' }],
  ])('%s', (hash, expected) => {
    expect(parseHash(hash)).toMatchObject(expected);
  });

  it('keeps filters in the query, leaving empty ones out', () => {
    const link = href('/deployments', { app: 'web', group: undefined, status: 'Failed' });
    expect(link).toBe('#/deployments?app=web&status=Failed');
    expect(parseHash(link).query.get('status')).toBe('Failed');
  });
});
