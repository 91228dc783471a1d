/**
 * `triggerConfigurations` and `gitSource` as the REST API takes them (strict: a misspelt field
 * is a 400). At most 10 triggers per group, as in CodeDeploy; each with 1–10 events and targets.
 */
import * as z from 'zod';
import { TRIGGER_EVENTS } from '../domain/triggers.js';

const HttpUrl = z.url({ protocol: /^https?$/, message: 'an http(s) URL' }).max(2048);
const Name = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, '1 to 100 letters, digits, ".", "_" or "-"');

export const TriggerTargetBody = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('email'),
    to: z.union([z.email(), z.array(z.email()).min(1).max(20)]).transform((to) => (Array.isArray(to) ? to : [to])),
  }),
  z.strictObject({ type: z.literal('slack'), url: HttpUrl }),
  z.strictObject({ type: z.literal('webhook'), url: HttpUrl, secret: z.string().min(16, 'at least 16 characters').max(512) }),
]);

export const TriggerConfigBody = z.strictObject({
  triggerName: Name,
  triggerEvents: z
    .array(z.enum(TRIGGER_EVENTS))
    .min(1)
    .max(TRIGGER_EVENTS.length)
    .refine((events) => new Set(events).size === events.length, 'each event at most once'),
  targets: z.array(TriggerTargetBody).min(1).max(10),
});

export const TriggerConfigurationsBody = z
  .array(TriggerConfigBody)
  .max(10, 'at most 10 triggers per deployment group')
  .refine((triggers) => new Set(triggers.map((t) => t.triggerName)).size === triggers.length, 'trigger names must be unique');

const Branch = z
  .string()
  .max(255)
  .regex(/^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]+(?<![/.])$/, 'a branch name such as main or release/1.2')
  .refine((b) => !b.endsWith('.lock'), 'a branch name such as main or release/1.2');

export const GitSourceBody = z.strictObject({
  provider: z.enum(['GitHub', 'GitLab']),
  repository: z.string().max(300).regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)+$/, 'owner/name (GitLab: group/subgroup/name)'),
  branch: Branch,
  cloneUrl: z.string().min(1).max(2048).optional(),
  secretRef: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, '1 to 64 letters, digits, "_" or "-"'),
});
