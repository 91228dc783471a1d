/**
 * The agent's identity: its instance token, kept under the agent root (mode 0600) so a restarted
 * agent is the same instance. Registration happens only when there is none, or the api rejects it.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';

const Identity = z.object({ apiUrl: z.string(), instanceName: z.string(), instanceToken: z.string() });
export type Identity = z.infer<typeof Identity>;

export async function loadIdentity(root: string): Promise<Identity | undefined> {
  try {
    const parsed = Identity.safeParse(JSON.parse(await readFile(file(root), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function saveIdentity(root: string, identity: Identity): Promise<void> {
  await mkdir(root, { recursive: true });
  await writeFile(file(root), JSON.stringify(identity), { mode: 0o600 });
}

function file(root: string): string {
  return path.join(root, 'agent-identity.json');
}
