/**
 * POST /v1/applications/:app/deployment-groups/:group/triggers/:name/test: send a test message
 * to every target of one trigger now (CodeDeploy sends one when a trigger is created in the
 * console), and answer how each went. One attempt, no retries; the per-target rate limit applies.
 */
import { Router } from 'express';
import type { ApiDeps } from '../context.js';
import { NotFoundError } from '../../shared/errors.js';
import { Channels } from '../../shared/notifications/channels.js';
import { testNotice } from '../../shared/notifications/notice.js';
import { describeTarget } from '../../shared/notifications/mask.js';
import { targetKey } from '../../shared/notifications/trigger-events.js';
import { SendError } from '../../shared/notifications/channel.js';
import { requireDeploymentGroup } from './deployment-groups.js';

interface TestResult {
  channel: string;
  target: string;
  status: 'Succeeded' | 'Failed' | 'RateLimited';
  detail?: string;
  error?: string;
}

/** Mounted at /v1/applications/:app/deployment-groups/:group/triggers. */
export function triggerRoutes(deps: ApiDeps): Router {
  const router = Router({ mergeParams: true });
  const channels = new Channels(deps.config.notify);

  router.post('/:name/test', async (req, res) => {
    const { app, group: groupName, name } = req.params as { app: string; group: string; name: string };
    const group = await requireDeploymentGroup(deps, req, app, groupName);
    const trigger = group.triggerConfigurations?.find((t) => t.triggerName === name);
    if (!trigger) throw new NotFoundError('TriggerDoesNotExistException', `Deployment group ${app}/${groupName} has no trigger named ${name}.`);
    const now = deps.now();
    const notice = testNotice(app, groupName, name, now);
    const { notify } = deps.config;
    const results = await Promise.all(
      trigger.targets.map(async (target, index): Promise<TestResult> => {
        const base = { channel: target.type, target: describeTarget(target) };
        const slot = await deps.store.notifications.takeRateSlot(targetKey(target), notify.rateLimit, notify.rateWindowMs, now.getTime());
        if (!slot.ok) return { ...base, status: 'RateLimited', error: `Over the per-target rate limit until ${new Date(slot.retryAtMs).toISOString()}.` };
        try {
          const sent = await channels.send(notice, target, { deliveryId: `test-${now.getTime()}-${index}`, timeoutMs: notify.timeoutMs, now: deps.now });
          return { ...base, status: 'Succeeded', detail: sent.detail };
        } catch (err) {
          return { ...base, status: 'Failed', error: err instanceof SendError ? err.message : 'The send failed unexpectedly.' };
        }
      }),
    );
    res.json({ triggerName: name, results });
  });

  return router;
}
