/** Where the demo keeps things, and the fixed names it uses. Constants only. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Everything a run writes, cleared at the start of the next run (gitignored: .cutover/). */
export const DEMO_DIR = path.join(REPO, '.cutover', 'demo');
export const SAMPLE_APP = path.join(REPO, 'examples', 'sample-app');
export const TSX = path.join(REPO, 'node_modules', '.bin', 'tsx');
export const REDIS_PREFIX = 'demo';
export const APP_NAME = 'sample';
export const GROUP_NAME = 'demo';
export const DEPLOYMENT_CONFIG = 'CodeDeployDefault.HalfAtATime';
export const HOSTS = ['demo-host-1', 'demo-host-2', 'demo-host-3'];
/** The built-in router's pool in front of the hosts (loadBalancerInfo.targetGroupName). */
export const ROUTER_POOL = 'sample';
/** Where the sample app's ApplicationStart hook writes its pid, under each host's install root. */
export const APP_PID_FILE = 'var/run/cutover-sample/server.pid';
/** Part of the app server's command line, to tell it from a process that recycled its pid. */
export const APP_MARKER = 'cutover-sample/server.js';

export const LOGS_DIR = path.join(DEMO_DIR, 'logs');
export const HOSTS_DIR = path.join(DEMO_DIR, 'hosts');
export const RUN_FILE = path.join(DEMO_DIR, 'run.json');
export const hostDir = (host: string, part: 'agent' | 'fs') => path.join(HOSTS_DIR, host, part);
export const logFile = (name: string) => path.join(LOGS_DIR, `${name}.log`);

/** A path as the user should type it: relative to where the demo runs (the repo root). */
export const rel = (p: string) => path.relative(process.cwd(), p) || '.';
