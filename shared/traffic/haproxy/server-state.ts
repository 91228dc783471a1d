/**
 * Reading HAProxy's answers (pure, unit-tested): `show stat` CSV and `show servers state`, merged
 * into one view of a server. Field meanings from HAProxy 2.6 management.txt:
 *  - show servers state: srv_op_state 0 stopped, 1 starting, 2 running, 3 stopping;
 *    srv_admin_state bits 0x01 FMAINT, 0x02 IMAINT, 0x04 CMAINT, 0x08 FDRAIN, 0x10 IDRAIN, 0x20 RMAINT, 0x40 HMAINT.
 *  - show stat: status ("UP", "DOWN 1/2", "DRAIN", "MAINT"…), scur/qcur (current sessions/queued),
 *    stot, hrsp_5xx, econ (connection errors), eresp, wretr (retries), wredis (redispatches).
 */
import type { AdminState, HealthState, TargetView } from '../traffic-router.js';

const MAINT_BITS = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;
const DRAIN_BITS = 0x08 | 0x10;

export interface ServerState {
  name: string;
  addr: string;
  port: number;
  opState: number;
  adminState: number;
  userWeight: number;
}

export type StatRow = Record<string, string>;

/** `show stat` CSV → one record per line (header names without the leading "# "). */
export function parseShowStat(text: string): StatRow[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines.find((l) => l.startsWith('# '));
  if (!header) throw new Error(`unexpected "show stat" answer: ${text.slice(0, 200)}`);
  const names = header.slice(2).split(',');
  return lines
    .filter((l) => !l.startsWith('#'))
    .map((line) => {
      const cells = line.split(',');
      const row: StatRow = {};
      names.forEach((name, i) => {
        if (name) row[name] = cells[i] ?? '';
      });
      return row;
    });
}

/** `show servers state <backend>` → servers by name. */
export function parseServersState(text: string): Map<string, ServerState> {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines.find((l) => l.startsWith('# '));
  if (!header) throw new Error(`unexpected "show servers state" answer: ${text.slice(0, 200)}`);
  const names = header.slice(2).split(' ');
  const at = (field: string) => names.indexOf(field);
  const servers = new Map<string, ServerState>();
  for (const line of lines) {
    if (line.startsWith('#') || !/^\d+ /.test(line)) continue;
    const cells = line.split(' ');
    const name = cells[at('srv_name')];
    servers.set(name, {
      name,
      addr: cells[at('srv_addr')],
      port: Number(cells[at('srv_port')]),
      opState: Number(cells[at('srv_op_state')]),
      adminState: Number(cells[at('srv_admin_state')]),
      userWeight: Number(cells[at('srv_uweight')]),
    });
  }
  return servers;
}

export function adminStateOf(server: ServerState): AdminState {
  if (server.adminState & MAINT_BITS) return 'out-of-service';
  if (server.adminState & DRAIN_BITS) return 'draining';
  return 'in-service';
}

export function healthOf(server: ServerState): HealthState {
  return server.opState === 2 ? 'healthy' : 'unhealthy';
}

export function toTargetView(server: ServerState, stat: StatRow | undefined): TargetView {
  const num = (field: string) => Number(stat?.[field] || 0);
  const check = [stat?.check_status, stat?.last_chk].filter(Boolean).join(' ');
  return {
    admin: adminStateOf(server),
    health: healthOf(server),
    activeRequests: num('scur') + num('qcur'),
    weight: server.userWeight,
    detail: [stat?.status ?? `op_state ${server.opState}, admin_state ${server.adminState}`, check].filter(Boolean).join(', '),
  };
}
