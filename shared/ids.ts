import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** CodeDeploy's deployment id shape: `d-` and nine uppercase letters or digits. */
export function newDeploymentId(): string {
  let id = 'd-';
  for (let i = 0; i < 9; i++) id += ALNUM[randomInt(ALNUM.length)];
  return id;
}

export function newUuid(): string {
  return randomUUID();
}

/** A bearer token: 32 random bytes, url-safe. Only its hash is stored. */
export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
