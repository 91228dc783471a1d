/**
 * The agent protocol (see shared/protocol.ts). Agents only ever talk to these routes; they never
 * see Redis. Every agent request is a heartbeat (it records the time); a poll records it when it
 * arrives and again when it answers, then waits (up to pollWaitMs) until a command is opened for
 * this instance or one it runs must be cancelled. So an agent whose poll the api holds, or whose
 * reports keep coming, is never taken for dead because its next poll is late.
 *
 * An instance token reaches its own instance only: its commands (a report on another instance's
 * is 404, a `known` id of another instance's is ignored), and the bundles its deployments install
 * (any other digest is 404, as a missing one). Registration puts the host in the enrollment
 * token's account; a name another account holds is refused (409).
 */
import { Router, type Request } from 'express';
import type { ApiDeps } from '../context.js';
import { parseInput } from '../validate.js';
import { requireToken, instanceOf } from '../middleware/auth.js';
import { hashToken, newToken } from '../../shared/ids.js';
import { ConflictError, NotFoundError } from '../../shared/errors.js';
import { accountOf } from '../../shared/domain/access.js';
import { clientAddress } from '../middleware/audit.js';
import { CommandIdSchema, DigestSchema, PollRequest, RegisterRequest, ReportRequest, type PollResponse, type RegisterResponse } from '../../shared/protocol.js';
import { recordReport } from '../../shared/operations/record-report.js';

export function agentRoutes(deps: ApiDeps): Router {
  const router = Router();
  const { store, config } = deps;

  router.post('/register', requireToken(store, ['enroll']), async (req, res) => {
    const body = parseInput(RegisterRequest, req.body, 'registration');
    const instanceToken = newToken('cti');
    // The host joins the enrollment token's account (tokens from before accounts: the default one).
    const accountId = accountOf(req.auth);
    const registered = await store.instances.register({ ...body, accountId, tokenHash: hashToken(instanceToken), now: deps.now() });
    if (!registered.registered) throw new ConflictError(registered.code, registered.message);
    req.log.info({ instanceId: body.name, tags: body.tags, accountId }, 'instance registered');
    // A host joining an account is a write to it: audited like the /v1 writes (api/middleware/audit.ts).
    await store.audit
      .append([accountId], {
        time: deps.now().toISOString(),
        tokenId: req.auth?.tokenId ?? 'enroll',
        accountId,
        role: 'enroll',
        action: 'POST /agent/v1/register',
        path: `/agent/v1/register (${body.name})`,
        statusCode: 201,
        sourceIp: clientAddress(req),
      })
      .catch((err: unknown) => req.log.error({ err, instanceId: body.name }, 'audit entry not written'));
    const answer: RegisterResponse = {
      instanceName: body.name,
      instanceToken,
      pollWaitSeconds: config.pollWaitMs / 1000,
      heartbeatTimeoutSeconds: config.heartbeatTimeoutMs / 1000,
    };
    res.status(201).json(answer);
  });

  router.post('/poll', requireToken(store, ['instance']), async (req, res) => {
    const instanceName = instanceOf(req.auth);
    const { known, waitMs } = parseInput(PollRequest, req.body ?? {}, 'poll');
    res.json(await poll(deps, req, instanceName, new Set(known), Math.min(waitMs ?? config.pollWaitMs, config.pollWaitMs)));
  });

  router.post('/commands/:id/report', requireToken(store, ['instance']), async (req, res) => {
    const instanceName = instanceOf(req.auth);
    const commandId = parseInput(CommandIdSchema, req.params.id, 'command id');
    const report = parseInput(ReportRequest, req.body, 'report');
    const now = deps.now();
    const answer = await recordReport({ ...deps, onEventsEnded: (events) => deps.metrics.lifecycleEventsEnded(events) }, instanceName, commandId, report, now);
    res.json(answer);
    // The heartbeat only for a report taken: a refused one (unknown command: 404) writes nothing.
    // Written once the answer is on its way, so it adds nothing to the agent's wait.
    await store.instances.touch(instanceName, now.getTime()).catch((err: unknown) => req.log.warn({ err, instanceId: instanceName }, 'heartbeat not recorded'));
  });

  router.get('/bundles/:digest', requireToken(store, ['instance']), async (req, res, next) => {
    const instanceName = instanceOf(req.auth);
    const digest = parseInput(DigestSchema, req.params.digest, 'digest');
    // Only a bundle one of this instance's deployments installs; any other is answered as missing,
    // so an instance token cannot probe which revisions exist (another account's included).
    const reachable = await store.commands.reachesBundle(instanceName, digest);
    const size = reachable ? await deps.artifacts.size(digest) : undefined;
    if (size === undefined) throw new NotFoundError('RevisionDoesNotExistException', `No bundle ${digest}.`);
    res.set({ 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) });
    const bundle = deps.artifacts.read(digest, size);
    // A read that fails (the stored file unreadable) must not be an unhandled 'error', which ends
    // the process: before the first byte it is the error handler's 500; after it, the download is
    // cut short (the agent checks the digest and asks again). An agent that hangs up ends the read.
    bundle.on('error', (err) => {
      if (res.headersSent) return res.destroy(err);
      res.removeHeader('Content-Type'); // the error's JSON, not the bundle's
      res.removeHeader('Content-Length');
      next(err);
    });
    res.on('close', () => bundle.destroy());
    bundle.pipe(res);
  });

  return router;
}

async function poll(deps: ApiDeps, req: Request, instanceName: string, known: ReadonlySet<string>, waitMs: number): Promise<PollResponse> {
  const { store } = deps;
  // The agent hung up: the *response* closing unfinished says so. (A request's own 'close' fires
  // as soon as its body has been read, before this point, so it never told.) Without this an
  // abandoned poll waited out its deadline and then recorded a heartbeat for a client gone.
  const gone = new AbortController();
  req.res?.on('close', () => {
    if (!req.res?.writableFinished) gone.abort();
  });
  await store.instances.touch(instanceName, deps.now().getTime());
  const deadline = Date.now() + waitMs;
  for (;;) {
    const open = (await store.commands.openFor(instanceName)).filter((c) => c.state === 'Open');
    const fresh = open.filter((c) => !known.has(c.command.commandId));
    const commands = fresh.map((c) => c.command);
    // A command stopped before its agent heard of it is handed out and cancelled in the same
    // answer: the agent skips its events and reports them, so the control plane hears it end.
    const cancel = [...(await commandsToCancel(deps, instanceName, known)), ...fresh.filter((c) => c.cancelRequested).map((c) => c.command.commandId)];
    const remaining = deadline - Date.now();
    if (commands.length > 0 || cancel.length > 0 || remaining <= 0 || gone.signal.aborted) {
      if (!gone.signal.aborted) await store.instances.touch(instanceName, deps.now().getTime());
      return { commands, cancel };
    }
    await deps.wake.wait(instanceName, remaining, gone.signal);
  }
}

/** Known commands the control plane gave up on, or asked to stop: the agent kills their hooks. */
async function commandsToCancel(deps: ApiDeps, instanceName: string, known: ReadonlySet<string>): Promise<string[]> {
  if (known.size === 0) return [];
  const cancel: string[] = [];
  for (const record of await deps.store.commands.getMany([...known])) {
    const id = record.command.commandId;
    if (record.instanceName !== instanceName) continue;
    const givenUp = record.state === 'Closed' && record.closedBy === 'control-plane';
    const stopAsked = record.state === 'Open' && record.cancelRequested === true;
    if (givenUp || stopAsked) cancel.push(id);
  }
  return cancel;
}
