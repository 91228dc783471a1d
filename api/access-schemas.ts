/** Request schemas of accounts, tokens, grants and the audit log (api/routes/access.ts, api/routes/audit.ts). */
import * as z from 'zod';
import { GRANT_ROLES, ROLES } from '../shared/domain/access.js';
import { ResourceName } from './schemas.js';

/** Lower-case letters, digits and dashes: it appears in Redis keys and audit lines. */
export const AccountIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, '2 to 63 lower-case letters, digits or -, starting with a letter or digit');
export const TokenIdSchema = z.string().regex(/^tok-[a-z0-9-]{1,64}$/, 'a token id: tok-…');
export const GrantIdSchema = z.string().regex(/^grant-[a-f0-9]{16}$/, 'a grant id: grant-…');

/** Ten years: far enough for "does not expire in practice", near enough to stay a valid date. */
const MAX_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;

/** An expiry as a lifetime or a time; neither: it never expires. */
const expiry = {
  expiresInSeconds: z.number().int().min(1).max(MAX_LIFETIME_SECONDS).optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
};

function noBothExpiries(b: { expiresInSeconds?: number; expiresAt?: string }): boolean {
  return b.expiresInSeconds === undefined || b.expiresAt === undefined;
}
const bothExpiries = { message: 'give expiresInSeconds or expiresAt, not both', path: ['expiresAt'] };

export const CreateAccountBody = z.strictObject({ accountId: AccountIdSchema });

export const CreateTokenBody = z
  .strictObject({
    name: z.string().regex(/^[\x20-\x7e]{1,100}$/, '1 to 100 printable ASCII characters'),
    role: z.enum([...ROLES, 'enroll']),
    ...expiry,
  })
  .refine(noBothExpiries, bothExpiries);

export const CreateGrantBody = z
  .strictObject({
    applicationName: ResourceName,
    deploymentGroupName: ResourceName,
    granteeAccountId: AccountIdSchema,
    role: z.enum(GRANT_ROLES).default('deployer'),
    ...expiry,
  })
  .refine(noBothExpiries, bothExpiries);

export const AuditQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'a number from 1 to 1000')
    .transform(Number)
    .pipe(z.number().int().min(1).max(1000))
    .optional(),
  /** A cursor: entries older than this audit id (the previous page's nextBefore). */
  before: z.string().regex(/^\d{1,15}-\d{1,10}$/, 'an audit id (nextBefore of the previous page)').optional(),
});

/** When an expiry given as a lifetime or a time ends; an expiry already past is refused by the caller. */
export function expiryTime(body: { expiresInSeconds?: number; expiresAt?: string }, now: Date): string | undefined {
  if (body.expiresInSeconds !== undefined) return new Date(now.getTime() + body.expiresInSeconds * 1000).toISOString();
  return body.expiresAt === undefined ? undefined : new Date(body.expiresAt).toISOString();
}
