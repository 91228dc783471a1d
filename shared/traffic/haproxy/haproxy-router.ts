/**
 * Driver for HAProxy through its runtime API: one backend (targetGroupName) with a dynamic
 * load-balancing algorithm (roundrobin, leastconn, random…), one server per instance, named after
 * the instance.
 *
 *   register   absent → `add server <bk>/<id> <addr> weight W check inter I rise R fall F`, then
 *              `enable health` (HAProxy 2.6 creates dynamic servers in maintenance, checks off).
 *              In maintenance → `state drain` + `health down`: checked, but no traffic, until it
 *              has passed `rise` checks — HAProxy would otherwise count a server leaving
 *              maintenance as up at once ("start OK but check immediately"). Draining and up
 *              (checks passed) → `state ready`. So a registered server takes traffic only after
 *              its health check passed, as a new ELB target does.
 *   deregister `set server <bk>/<id> state drain`: no new requests; scur+qcur are its in-flight ones.
 *   remove     `set server <bk>/<id> state maint` (kept, so its counters survive; `del server` would
 *              be refused while connections linger, and static servers cannot be deleted).
 *
 * The health check's path and timeout are the backend's own (`option httpchk`, `timeout check`);
 * loadBalancerInfo's interval and thresholds go on each server. Runtime changes are lost when
 * HAProxy reloads unless a server-state file is configured (see deploy/haproxy/haproxy.cfg).
 */
import { ABSENT_TARGET, TrafficRouterError, type PoolCounters, type RegisterOptions, type TargetView, type TrafficRouter, type TrafficTarget } from '../traffic-router.js';
import { runtimeCommand } from './runtime-api.js';
import { adminStateOf, healthOf, parseServersState, parseShowStat, toTargetView, type ServerState, type StatRow } from './server-state.js';

export interface HaproxyRouterOptions {
  socketPath: string;
  backend: string;
  timeoutMs: number;
}

export class HaproxyRouter implements TrafficRouter {
  readonly driver = 'haproxy' as const;

  constructor(private readonly options: HaproxyRouterOptions) {}

  async register(target: TrafficTarget, options: RegisterOptions): Promise<void> {
    let server = await this.server(target.id);
    if (!server) {
      const { intervalSeconds, healthyThresholdCount, unhealthyThresholdCount } = options.healthCheck;
      const inter = Math.max(100, Math.round(intervalSeconds * 1000));
      const reply = await this.command(
        `add server ${this.name(target)} ${addressOf(target)} weight ${options.weight} check inter ${inter} rise ${healthyThresholdCount} fall ${unhealthyThresholdCount}`,
      );
      if (!/New server registered|Already exists a server with the same name/i.test(reply)) this.refused('add server', reply);
      await this.expectEmpty(`enable health ${this.name(target)}`);
      server = await this.server(target.id);
      if (!server) throw new TrafficRouterError('haproxy', `HAProxy registered server ${this.name(target)} but does not list it`);
    }
    if (server.addr !== target.host || server.port !== target.port) {
      const reply = await this.command(`set server ${this.name(target)} addr ${target.host} port ${target.port}`);
      if (reply.trim() !== '' && !/changed from|no need to change/i.test(reply)) this.refused('set server addr', reply);
    }
    if (server.userWeight !== options.weight) await this.expectEmpty(`set server ${this.name(target)} weight ${options.weight}`);
    const admin = adminStateOf(server);
    if (admin === 'out-of-service') {
      await this.expectEmpty(`set server ${this.name(target)} state drain`);
      await this.expectEmpty(`set server ${this.name(target)} health down`);
    } else if (admin === 'draining' && healthOf(server) === 'healthy') {
      await this.expectEmpty(`set server ${this.name(target)} state ready`);
    }
  }

  async deregister(target: TrafficTarget): Promise<void> {
    const server = await this.server(target.id);
    if (!server || adminStateOf(server) !== 'in-service') return;
    await this.expectEmpty(`set server ${this.name(target)} state drain`);
  }

  async remove(target: TrafficTarget): Promise<void> {
    const server = await this.server(target.id);
    if (!server || adminStateOf(server) === 'out-of-service') return;
    await this.expectEmpty(`set server ${this.name(target)} state maint`);
  }

  async setWeight(target: TrafficTarget, weight: number): Promise<void> {
    await this.expectEmpty(`set server ${this.name(target)} weight ${weight}`);
  }

  async describe(target: TrafficTarget): Promise<TargetView> {
    const server = await this.server(target.id);
    if (!server) return ABSENT_TARGET;
    const rows = await this.statRows(4);
    return toTargetView(server, rows.find((r) => r.svname === target.id));
  }

  async stats(): Promise<PoolCounters> {
    const servers = await this.servers();
    const rows = await this.statRows(6);
    const backend = rows.find((r) => r.svname === 'BACKEND');
    const n = (row: StatRow | undefined, ...fields: string[]) => fields.reduce((sum, f) => sum + Number(row?.[f] || 0), 0);
    return {
      pool: this.options.backend,
      requests: n(backend, 'stot'),
      responses5xx: n(backend, 'hrsp_5xx'),
      errors: n(backend, 'econ', 'eresp'),
      retries: n(backend, 'wretr', 'wredis'),
      targets: rows
        .filter((r) => r.svname !== 'BACKEND' && servers.has(r.svname))
        .map((row) => {
          const view = toTargetView(servers.get(row.svname)!, row);
          return {
            id: row.svname,
            admin: view.admin,
            health: view.health,
            weight: view.weight,
            activeRequests: view.activeRequests,
            requests: n(row, 'stot'),
            responses5xx: n(row, 'hrsp_5xx'),
            errors: n(row, 'econ', 'eresp'),
            retries: n(row, 'wretr', 'wredis'),
          };
        }),
    };
  }

  private name(target: TrafficTarget): string {
    return `${this.options.backend}/${target.id}`;
  }

  private async server(id: string): Promise<ServerState | undefined> {
    return (await this.servers()).get(id);
  }

  private async servers(): Promise<Map<string, ServerState>> {
    const reply = await this.command(`show servers state ${this.options.backend}`);
    if (!reply.includes('# be_id')) this.refused('show servers state', reply);
    return parseServersState(reply);
  }

  /** `show stat` rows of the backend; `types` is HAProxy's bit field (2 backend, 4 servers). */
  private async statRows(types: number): Promise<StatRow[]> {
    const reply = await this.command(`show stat ${this.options.backend} ${types} -1`);
    if (!reply.startsWith('# pxname')) this.refused('show stat', reply);
    return parseShowStat(reply);
  }

  private command(command: string): Promise<string> {
    return runtimeCommand(this.options.socketPath, command, this.options.timeoutMs);
  }

  private async expectEmpty(command: string): Promise<void> {
    const reply = await this.command(command);
    if (reply.trim() !== '') this.refused(command, reply);
  }

  private refused(what: string, reply: string): never {
    const text = reply.trim().replace(/\s+/g, ' ').slice(0, 300) || '(empty answer)';
    const hint = /No such (backend|proxy)/i.test(text) ? ` — is "${this.options.backend}" the backend's name in haproxy.cfg?` : /Permission denied/i.test(text) ? ' — the stats socket needs "level admin"' : /dynamic load balancing/i.test(text) ? ' — the backend needs a dynamic algorithm such as "balance roundrobin"' : '';
    throw new TrafficRouterError('haproxy', `HAProxy refused "${what}" on ${this.options.socketPath}: ${text}${hint}`);
  }
}

function addressOf(target: TrafficTarget): string {
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}
