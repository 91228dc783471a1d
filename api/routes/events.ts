/**
 * Live events as Server-Sent Events, resumable: every message's `id:` is its Redis stream id, so
 * a client that reconnects with `Last-Event-ID` (or `?after=`) gets exactly what it missed.
 *
 *   GET /v1/deployments/:id/events  one deployment's state changes, from its creation
 *   GET /v1/events                  every deployment's state changes, from now (or after the id)
 *   GET /v1/deployments/:id/logs    script output as the agents stream it (optionally one
 *                                   ?instance= and/or ?event=): what is stored first, then live;
 *                                   ends with an `end` message once the deployment has finished
 *
 * Events: `event:` is the event's type (DeploymentStatus, InstanceStatus, LifecycleEvent) and
 * `data:` the event as JSON (shared/domain/events.ts). Logs: `event: log`, `data:
 * {instanceId, lifecycleEventName, text}`. Live reads share one Redis connection (StreamHub).
 */
import { Router, type Request, type Response } from 'express';
import type { ApiDeps } from '../context.js';
import { parseInput } from '../validate.js';
import { EventStreamQuery, LogStreamQuery, StreamIdSchema } from '../schemas.js';
import { requireDeployment } from './deployments.js';
import { deploymentOwner, principalOf } from '../access.js';
import { accessTo } from '../../shared/domain/access.js';
import { isDeploymentTerminal, type DeploymentStatus } from '../../shared/domain/statuses.js';
import type { DeploymentEvent } from '../../shared/domain/events.js';
import type { DeploymentState } from '../../shared/store/deployments.js';
import { droppedNote, parseLogAppends, type EventLogKey } from '../../shared/store/script-logs.js';
import { LiveCursor, type StreamEntry, type StreamHub } from './events-hub.js';
import type { SseClients, SseStream } from './events-sse.js';

/** What the live routes share per api process. */
export interface LiveStreams {
  hub: StreamHub;
  sse: SseClients;
}

const BACKLOG_BATCH = 1000;

export function eventRoutes(deps: ApiDeps): Router {
  const router = Router();
  const { store } = deps;

  router.get('/events', async (req, res) => {
    const { after } = parseInput(EventStreamQuery, req.query, 'query');
    const key = store.events.streamKey(undefined);
    // Without a resume point the global stream starts now: its history is long and shared.
    const start = resumePoint(req, after) ?? (await newestId(deps, key));
    await streamEvents(deps, req, res, key, start, visibleDeployments(deps, req));
  });

  router.get('/deployments/:id/events', async (req, res) => {
    const { after } = parseInput(EventStreamQuery, req.query, 'query');
    const state = await requireDeployment(deps, req, req.params.id);
    await streamEvents(deps, req, res, store.events.streamKey(state.spec.deploymentId), resumePoint(req, after) ?? '0-0');
  });

  router.get('/deployments/:id/logs', async (req, res) => {
    const query = parseInput(LogStreamQuery, req.query, 'query');
    const state = await requireDeployment(deps, req, req.params.id);
    await streamLogs(deps, req, res, state, resumePoint(req, query.after), query);
  });

  return router;
}

/**
 * The global stream carries every account's deployments: each one's visibility to this caller is
 * decided on its first event, with the grants its account holds at that moment (a stream outlives
 * any one request's view of them), and remembered for the stream.
 */
function visibleDeployments(deps: ApiDeps, req: Request): (deploymentId: string) => Promise<boolean> {
  const principal = principalOf(req);
  const known = new Map<string, Promise<boolean>>();
  const decide = async (deploymentId: string): Promise<boolean> => {
    const state = await deps.store.deployments.get(deploymentId);
    if (!state) return false;
    const owner = deploymentOwner(state.spec);
    const grants = owner.accountId === principal.accountId ? [] : await deps.store.accounts.grantsReceived(principal.accountId);
    return accessTo(principal, owner, grants, deps.now()) !== undefined;
  };
  return (deploymentId) => {
    let visible = known.get(deploymentId);
    if (!visible) {
      visible = decide(deploymentId);
      known.set(deploymentId, visible);
    }
    return visible;
  };
}

async function streamEvents(
  deps: ApiDeps,
  req: Request,
  res: Response,
  key: string,
  start: string,
  visible: (deploymentId: string) => Promise<boolean> = async () => true,
): Promise<void> {
  const sse = deps.live.sse.start(res);
  const cursor = new LiveCursor(
    start,
    async (entries) => {
      for (const [id, fields] of entries) {
        const event = parseEvent(fields);
        if (event && (await visible(event.deploymentId))) sse.send(id, event.type, event);
      }
    },
    (err) => fail(req, sse, err),
  );
  await run(req, sse, cursor, () => cursor.start(deps.live.hub, key, (after) => range(deps, key, after)));
}

async function streamLogs(
  deps: ApiDeps,
  req: Request,
  res: Response,
  state: DeploymentState,
  resume: string | undefined,
  filter: { instance?: string; event?: string },
): Promise<void> {
  const { store } = deps;
  const id = state.spec.deploymentId;
  const matches = (k: EventLogKey) => (!filter.instance || k.instanceId === filter.instance) && (!filter.event || k.lifecycleEventName === filter.event);
  const sent = new Map<string, number>();
  const sse = deps.live.sse.start(res);

  const sendText = (streamId: string | undefined, key: EventLogKey, text: string) => {
    if (text) sse.send(streamId, 'log', { instanceId: key.instanceId, lifecycleEventName: key.lifecycleEventName, text });
  };
  const cursor = new LiveCursor(
    resume ?? '0-0',
    async (entries) => {
      for (const append of parseLogAppends(entries)) {
        if (!matches(append)) continue;
        const name = `${append.instanceId} ${append.lifecycleEventName}`;
        const from = Math.max(sent.get(name) ?? 0, append.end - append.length);
        if (append.end <= from) continue;
        const { text, missed } = await store.logs.range(id, append, from, append.end);
        sendText(append.id, append, (missed > 0 ? droppedNote(missed) : '') + text);
        sent.set(name, append.end);
      }
    },
    (err) => fail(req, sse, err),
  );
  // Without a resume point: what is stored now, read together with the log stream position it reaches.
  const snapshot = async (): Promise<string> => {
    const targets = await store.deployments.listTargets(id);
    const which = targets.flatMap((t) => t.lifecycleEvents.map((e) => ({ instanceId: t.targetId, lifecycleEventName: e.lifecycleEventName }))).filter(matches);
    const { logs, streamId } = await store.logs.snapshot(id, which);
    for (const log of logs) {
      sendText(streamId === '0-0' ? undefined : streamId, log, (log.dropped > 0 ? droppedNote(log.dropped) : '') + log.text);
      sent.set(`${log.instanceId} ${log.lifecycleEventName}`, log.end);
    }
    return streamId;
  };

  // The end: watch the deployment's own events (subscribed before its status is read, so a
  // finish in between is not missed), then flush what is left of the output and say `end`.
  let finishing: Promise<void> | undefined;
  let markStarted!: () => void;
  // The end waits for the start: the stored output goes out before `end`, whenever the end is seen.
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const finish = (status: DeploymentStatus) => {
    finishing ??= (async () => {
      await started;
      for (;;) {
        const rest = await range(deps, store.logs.streamKey(id), cursor.position);
        if (rest.length === 0) break;
        cursor.enqueue(rest);
        await cursor.settled();
      }
      await cursor.settled();
      sse.send(undefined, 'end', { deploymentId: id, status });
      sse.close();
    })().catch((err: unknown) => fail(req, sse, err));
  };
  const unwatch = await deps.live.hub.subscribe(store.events.streamKey(id), (entries) => {
    for (const [, fields] of entries) {
      const event = parseEvent(fields);
      if (event?.type === 'DeploymentStatus' && isDeploymentTerminal(event.status)) finish(event.status);
    }
  });
  sse.onClose(unwatch);
  await run(req, sse, cursor, () => cursor.start(deps.live.hub, store.logs.streamKey(id), (after) => range(deps, store.logs.streamKey(id), after), resume ? undefined : snapshot));
  markStarted();
  const now = await store.deployments.get(id);
  if (now && isDeploymentTerminal(now.status)) finish(now.status);
}

/** Start a cursor for an open stream; stop it when the stream closes, whenever that is. */
async function run(req: Request, sse: SseStream, cursor: LiveCursor, start: () => Promise<void>): Promise<void> {
  sse.onClose(() => cursor.stop());
  try {
    await start();
  } catch (err) {
    fail(req, sse, err);
  }
  if (sse.isClosed) cursor.stop();
}

function fail(req: Request, sse: SseStream, err: unknown): void {
  if (!sse.isClosed) req.log.error({ err }, 'event stream failed');
  sse.close();
}

async function range(deps: ApiDeps, key: string, after: string): Promise<StreamEntry[]> {
  return (await deps.store.redis.xrange(key, `(${after}`, '+', 'COUNT', BACKLOG_BATCH)) as StreamEntry[];
}

async function newestId(deps: ApiDeps, key: string): Promise<string> {
  const newest = (await deps.store.redis.xrevrange(key, '+', '-', 'COUNT', 1)) as StreamEntry[];
  return newest[0]?.[0] ?? '0-0';
}

/** Last-Event-ID (a reconnecting EventSource sends it) wins over ?after=. */
function resumePoint(req: Request, after: string | undefined): string | undefined {
  const header = req.get('last-event-id');
  return header ? parseInput(StreamIdSchema, header, 'Last-Event-ID header') : after;
}

function parseEvent(fields: string[]): DeploymentEvent | undefined {
  const raw = fields[fields.indexOf('e') + 1];
  try {
    return raw ? (JSON.parse(raw) as DeploymentEvent) : undefined;
  } catch {
    return undefined;
  }
}
