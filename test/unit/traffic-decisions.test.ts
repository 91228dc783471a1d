/**
 * The pure parts of load balancing: target addresses and the start-time check, when BlockTraffic
 * and AllowTraffic are over, the wait slots, and reading HAProxy's answers.
 */
import { describe, expect, it } from 'vitest';
import { parseTargetAddress, planTraffic, type LoadBalancerInfo } from '../../shared/domain/load-balancer.js';
import { decideAllow, decideBlock, waitSlot } from '../../shared/traffic/traffic-decisions.js';
import type { TargetView } from '../../shared/traffic/traffic-router.js';
import { parseServersState, parseShowStat, toTargetView } from '../../shared/traffic/haproxy/server-state.js';

const view = (over: Partial<TargetView>): TargetView => ({ admin: 'in-service', health: 'healthy', activeRequests: 0, weight: 100, detail: 'd', ...over });
const clock = (elapsedMs: number) => ({ startedAtMs: 1_000_000, nowMs: 1_000_000 + elapsedMs, pollMs: 1000 });

describe('target addresses', () => {
  it.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['web-1.internal:80', { host: 'web-1.internal', port: 80 }],
    ['[::1]:9000', { host: '::1', port: 9000 }],
    [' 10.0.0.5:443 ', { host: '10.0.0.5', port: 443 }],
  ])('%s parses', (text, expected) => {
    expect(parseTargetAddress(text)).toEqual(expected);
  });

  it.each(['127.0.0.1', ':8080', '127.0.0.1:0', '127.0.0.1:70000', 'a b:80', 'http://x:80', ''])('%j does not', (text) => {
    expect(parseTargetAddress(text)).toBeUndefined();
  });
});

describe('planTraffic (at deployment start)', () => {
  const lb = { targetAddressTag: 'cutover:target' } as LoadBalancerInfo;
  const good = { instanceName: 'a', tags: { 'cutover:target': '127.0.0.1:8081' } };

  it('needs nothing without traffic control', () => {
    expect(planTraffic('WITHOUT_TRAFFIC_CONTROL', undefined, [{ instanceName: 'x', tags: {} }])).toEqual({ ok: true, withLoadBalancer: false });
  });

  it('resolves every address', () => {
    const plan = planTraffic('WITH_TRAFFIC_CONTROL', lb, [good, { instanceName: 'b', tags: { 'cutover:target': '[::1]:80' } }]);
    expect(plan.ok && plan.withLoadBalancer && Object.fromEntries(plan.addresses)).toEqual({ a: '127.0.0.1:8081', b: '[::1]:80' });
  });

  it('fails with ELB_INVALID_INSTANCE naming each instance without a usable address', () => {
    const plan = planTraffic('WITH_TRAFFIC_CONTROL', lb, [good, { instanceName: 'b', tags: {} }, { instanceName: 'c', tags: { 'cutover:target': 'nope' } }]);
    expect(plan).toMatchObject({ ok: false, code: 'ELB_INVALID_INSTANCE' });
    expect(!plan.ok && plan.message).toMatch(/b has no cutover:target tag; c's cutover:target tag "nope" is not host:port/);
  });

  it('fails with MISSING_ELB_INFORMATION when traffic control has no load balancer', () => {
    expect(planTraffic('WITH_TRAFFIC_CONTROL', undefined, [good])).toMatchObject({ ok: false, code: 'MISSING_ELB_INFORMATION' });
  });
});

describe('decideBlock (deregistration)', () => {
  it.each([
    ['out of service, nothing in flight', view({ admin: 'out-of-service' }), 0, 'done'],
    ['draining, nothing in flight', view({ admin: 'draining' }), 500, 'done'],
    ['draining, requests in flight', view({ admin: 'draining', activeRequests: 2 }), 500, 'wait'],
    ['still in service (not yet applied)', view({}), 500, 'wait'],
    ['requests in flight past the delay', view({ admin: 'draining', activeRequests: 2 }), 30_000, 'done'],
  ] as const)('%s → %s', (_what, v, elapsed, kind) => {
    expect(decideBlock(v, 30, clock(elapsed)).kind).toBe(kind);
  });

  it('waits at most until the delay runs out', () => {
    expect(decideBlock(view({ admin: 'draining', activeRequests: 1 }), 30, clock(29_600))).toEqual({ kind: 'wait', delayMs: 400 });
    expect(decideBlock(view({ admin: 'draining', activeRequests: 1 }), 30, clock(1000))).toEqual({ kind: 'wait', delayMs: 1000 });
  });

  it('says when requests were cut off', () => {
    const d = decideBlock(view({ admin: 'draining', activeRequests: 3 }), 30, clock(31_000));
    expect(d.kind === 'done' && d.message).toMatch(/delay of 30 s ran out, with 3 request\(s\) still in flight/);
  });
});

describe('decideAllow (registration)', () => {
  it.each([
    ['in service and healthy', view({}), 100, 'done'],
    ['in service, not yet checked', view({ health: 'unknown' }), 100, 'wait'],
    ['registered but still draining (HAProxy before ready)', view({ admin: 'draining' }), 100, 'wait'],
    ['unhealthy past the timeout', view({ health: 'unhealthy', detail: 'DOWN, L4CON Connection refused' }), 60_000, 'fail'],
  ] as const)('%s → %s', (_what, v, elapsed, kind) => {
    expect(decideAllow(v, 60, clock(elapsed)).kind).toBe(kind);
  });

  it('puts what the load balancer said in the failure', () => {
    const d = decideAllow(view({ health: 'unhealthy', detail: 'DOWN, L4CON Connection refused' }), 60, clock(61_000));
    expect(d.kind === 'fail' && d.message).toMatch(/did not pass within 60 s.*DOWN, L4CON Connection refused/);
  });
});

describe('waitSlot', () => {
  it('gives overlapping runs the same job id and later runs the next one', () => {
    expect(waitSlot('BlockTraffic', 0, 0, 1000)).toBe('BlockTraffic-wait-1');
    expect(waitSlot('BlockTraffic', 0, 999, 1000)).toBe('BlockTraffic-wait-1');
    expect(waitSlot('BlockTraffic', 0, 1000, 1000)).toBe('BlockTraffic-wait-2');
    expect(waitSlot('AllowTraffic', 5000, 7500, 1000)).toBe('AllowTraffic-wait-3');
  });
});

describe("HAProxy's answers", () => {
  // Captured from HAProxy 2.6.12: a dynamic server in drain whose checks pass, one in maintenance.
  const serversState =
    '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n' +
    '3 web 1 host-1 127.0.0.1 2 8 100 100 1 15 3 3 6 0 0 0 - 19081 - 0 0 - - 0\n' +
    '3 web 2 host-2 127.0.0.1 0 1 100 100 0 1 0 0 2 0 0 0 - 19082 - 0 0 - - 0\n\n';
  const stat =
    '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,\n' +
    'web,host-1,1,0,2,1,,7,82,116,,0,,0,0,0,0,DRAIN,100,1,0,0,0,2,0,,1,3,1,,1,,2,1,,1,L7OK,200,1,0,7,0,0,0,0,,,,1,0,0,,,,,1,,\n' +
    'web,host-2,0,0,0,0,,0,0,0,,0,,3,0,1,0,MAINT,100,1,0,0,0,2,0,,1,3,2,,0,,2,0,,0,,,,0,0,0,0,0,0,,,,0,0,0,,,,,-1,,\n\n';

  it('reads servers and stats and merges them', () => {
    const servers = parseServersState(serversState);
    expect(servers.get('host-1')).toEqual({ name: 'host-1', addr: '127.0.0.1', port: 19081, opState: 2, adminState: 8, userWeight: 100 });
    const rows = parseShowStat(stat);
    expect(rows.map((r) => [r.svname, r.status, r.scur, r.econ])).toEqual([
      ['host-1', 'DRAIN', '2', '0'],
      ['host-2', 'MAINT', '0', '3'],
    ]);
    expect(toTargetView(servers.get('host-1')!, rows[0])).toEqual({ admin: 'draining', health: 'healthy', activeRequests: 3, weight: 100, detail: 'DRAIN, L7OK' });
    expect(toTargetView(servers.get('host-2')!, rows[1])).toMatchObject({ admin: 'out-of-service', health: 'unhealthy', activeRequests: 0 });
  });

  it('refuses an answer that is not what was asked', () => {
    expect(() => parseShowStat('No such proxy.\n')).toThrow(/unexpected/);
    expect(() => parseServersState('Unknown command\n')).toThrow(/unexpected/);
  });
});
