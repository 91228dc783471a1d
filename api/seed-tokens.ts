/**
 * Bootstrap: the default account (the operator's, owner of everything written before accounts)
 * and its two first tokens, an admin and an enrollment token, under fixed ids.
 * CUTOVER_ADMIN_TOKEN / CUTOVER_ENROLL_TOKEN, when set, are seeded as they are. When unset, a token
 * is generated once, kept (hashed) in Redis and written in the clear to a 0600 file under the data
 * directory, whose path is logged — never the token itself.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import type { Store } from '../shared/store/index.js';
import { newToken } from '../shared/ids.js';
import { DEFAULT_ACCOUNT } from '../shared/domain/access.js';
import type { TokenRole } from '../shared/store/tokens.js';

export const BOOTSTRAP_ADMIN_TOKEN_ID = 'tok-bootstrap-admin';
export const BOOTSTRAP_ENROLL_TOKEN_ID = 'tok-bootstrap-enroll';

export async function seedTokens(config: Config, store: Store, log: Logger): Promise<void> {
  const now = new Date();
  await store.accounts.create({ accountId: DEFAULT_ACCOUNT, createTime: now.toISOString() });
  await seed(config, store, log, 'admin', config.adminToken, 'admin-token', now);
  await seed(config, store, log, 'enroll', config.enrollToken, 'enroll-token', now);
}

async function seed(config: Config, store: Store, log: Logger, role: Extract<TokenRole, 'admin' | 'enroll'>, given: string | undefined, fileName: string, now: Date): Promise<void> {
  const tokenId = role === 'admin' ? BOOTSTRAP_ADMIN_TOKEN_ID : BOOTSTRAP_ENROLL_TOKEN_ID;
  const seedAs = (token: string) =>
    store.tokens.seed(token, { tokenId, accountId: DEFAULT_ACCOUNT, name: `bootstrap ${role}`, role, createdBy: 'bootstrap', now });
  if (given) {
    await seedAs(given);
    return;
  }
  const file = path.join(config.dataDir, fileName);
  let token = await readFile(file, 'utf8').then((t) => t.trim(), () => '');
  if (!token) {
    token = newToken(role === 'admin' ? 'cta' : 'cte');
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(file, `${token}\n`, { mode: 0o600 });
  }
  await seedAs(token);
  log.warn({ file }, `no ${role === 'admin' ? 'CUTOVER_ADMIN_TOKEN' : 'CUTOVER_ENROLL_TOKEN'} set; the ${role} token is in this file`);
}
