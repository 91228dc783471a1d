/**
 * Bootstrap credentials. CUTOVER_ADMIN_TOKEN / CUTOVER_ENROLL_TOKEN, when set, are seeded as they
 * are. When unset, a token is generated once, kept (hashed) in Redis and written in the clear to
 * a 0600 file under the data directory, whose path is logged — never the token itself.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import type { Store } from '../shared/store/index.js';
import { hashToken, newToken } from '../shared/ids.js';
import type { TokenKind } from '../shared/store/instances.js';

export async function seedTokens(config: Config, store: Store, log: Logger): Promise<void> {
  await seed(config, store, log, 'admin', config.adminToken, 'admin-token');
  await seed(config, store, log, 'enroll', config.enrollToken, 'enroll-token');
}

async function seed(config: Config, store: Store, log: Logger, kind: TokenKind, given: string | undefined, fileName: string): Promise<void> {
  if (given) {
    await store.instances.putToken(hashToken(given), { kind });
    return;
  }
  const file = path.join(config.dataDir, fileName);
  let token = await readFile(file, 'utf8').then((t) => t.trim(), () => '');
  if (!token) {
    token = newToken(kind === 'admin' ? 'cta' : 'cte');
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(file, `${token}\n`, { mode: 0o600 });
  }
  await store.instances.putToken(hashToken(token), { kind });
  log.warn({ file }, `no ${kind === 'admin' ? 'CUTOVER_ADMIN_TOKEN' : 'CUTOVER_ENROLL_TOKEN'} set; the ${kind} token is in this file`);
}
