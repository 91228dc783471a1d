/**
 * Fetching one commit with `git` and archiving exactly that commit as a tar.gz. Clones are
 * cached (bare, one per clone URL, under <dataDir>/git-cache) so a push costs a fetch of what is
 * new. Credentials for private repositories come from config by host and reach git through
 * GIT_ASKPASS and the environment: never in a URL, an argument, a log line or an error.
 * Only http(s), ssh and git transports are allowed (`ext::` would run commands), plus local
 * paths and file:// when CUTOVER_GIT_ALLOW_LOCAL is set.
 */
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { GitConfig, GitCredential } from '../../shared/config.js';
import { scrub } from '../../shared/notifications/mask.js';
import { checkCloneUrl } from '../../shared/git-hosts/clone-url.js';

export class GitError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'GitError';
  }
}

const ASKPASS = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$CUTOVER_GIT_USERNAME" ;;
  *) printf '%s\\n' "$CUTOVER_GIT_PASSWORD" ;;
esac
`;

const MAX_STDERR = 4096;

export class GitCache {
  private readonly chains = new Map<string, Promise<unknown>>();
  private askpassReady?: Promise<string>;

  constructor(
    private readonly root: string,
    private readonly config: GitConfig,
  ) {}

  /**
   * Make sure `commitId` is in the cached clone (fetching `branch`, then the commit itself), then
   * stream `git archive --format=tar.gz <commitId>` into `outPath`. Returns its sha256 and size.
   */
  async archiveCommit(cloneUrl: string, branch: string, commitId: string, outPath: string): Promise<{ digest: string; size: number }> {
    const check = checkCloneUrl(cloneUrl, this.config.allowLocal);
    if (!check.ok) throw new GitError(`Cannot fetch ${this.safe(cloneUrl)}: ${check.reason}.`, false);
    const dir = path.join(this.root, `${createHash('sha256').update(cloneUrl).digest('hex').slice(0, 24)}.git`);
    // One git operation per cached clone at a time in this process (git's own locks guard the rest).
    return this.serialized(dir, async () => {
      await this.ensureRepo(dir);
      const env = await this.env(check.host);
      if (!(await this.hasCommit(dir, commitId, env))) {
        await this.run(['-C', dir, 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', cloneUrl, `+refs/heads/${branch}:refs/remotes/cutover/${branch}`], env, 'fetch');
        if (!(await this.hasCommit(dir, commitId, env))) {
          // Not on the branch (any more): ask for the commit itself (GitHub and GitLab allow it).
          await this.run(['-C', dir, 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', cloneUrl, commitId], env, 'fetch').catch(() => undefined);
        }
        if (!(await this.hasCommit(dir, commitId, env))) {
          throw new GitError(`Commit ${commitId} was not found in ${this.safe(cloneUrl)} (branch ${branch}).`, true);
        }
      }
      return this.archive(dir, commitId, outPath, env);
    });
  }

  private async serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.chains.set(key, next.catch(() => undefined));
    return next;
  }

  private async ensureRepo(dir: string): Promise<void> {
    if (await exists(path.join(dir, 'HEAD'))) return;
    await mkdir(this.root, { recursive: true });
    const staging = `${dir}.${randomUUID()}.tmp`;
    await this.run(['init', '--bare', '--quiet', staging], await this.env(undefined), 'init');
    try {
      await rename(staging, dir);
    } catch {
      await rm(staging, { recursive: true, force: true }); // another process made it first
    }
  }

  private async hasCommit(dir: string, commitId: string, env: NodeJS.ProcessEnv): Promise<boolean> {
    return this.run(['-C', dir, 'cat-file', '-e', `${commitId}^{commit}`], env, 'cat-file').then(
      () => true,
      () => false,
    );
  }

  private async archive(dir: string, commitId: string, outPath: string, env: NodeJS.ProcessEnv): Promise<{ digest: string; size: number }> {
    const child = spawn('git', ['-C', dir, 'archive', '--format=tar.gz', commitId], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-MAX_STDERR)));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), this.config.timeoutMs);
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, callback) {
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      await pipeline(child.stdout, meter, createWriteStream(outPath));
      const code = await exited;
      if (code !== 0) throw new GitError(`git archive of ${commitId} failed: ${this.safe(stderr.trim())}`, true);
    } finally {
      clearTimeout(timer);
    }
    return { digest: hash.digest('hex'), size };
  }

  private async env(host: string | undefined): Promise<NodeJS.ProcessEnv> {
    const base: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LANG: 'C',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_ALLOW_PROTOCOL: `https:http:ssh:git${this.config.allowLocal ? ':file' : ''}`,
      GIT_SSH_COMMAND: 'ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new',
    };
    const credential = host ? this.credentialFor(host) : undefined;
    if (!credential) return base;
    return { ...base, GIT_ASKPASS: await this.askpass(), CUTOVER_GIT_USERNAME: credential.username, CUTOVER_GIT_PASSWORD: credential.password };
  }

  private credentialFor(host: string): GitCredential | undefined {
    return this.config.credentials.find((c) => c.host === host) ?? this.config.credentials.find((c) => c.host === host.replace(/:\d+$/, ''));
  }

  private askpass(): Promise<string> {
    this.askpassReady ??= (async () => {
      await mkdir(this.root, { recursive: true });
      const file = path.join(this.root, 'askpass.sh');
      await writeFile(file, ASKPASS);
      await chmod(file, 0o700);
      return file;
    })();
    return this.askpassReady;
  }

  /** Run git; a non-zero exit is a (retryable) GitError whose message names no secret. */
  private run(args: string[], env: NodeJS.ProcessEnv, label: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn('git', ['-c', 'credential.helper=', '-c', 'protocol.version=2', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-MAX_STDERR)));
      const timer = setTimeout(() => child.kill('SIGKILL'), this.config.timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(new GitError(`git could not be run: ${err.message}`, false));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return resolve();
        const what = signal ? `was killed (${signal}${signal === 'SIGKILL' ? `, over ${this.config.timeoutMs / 1000} s` : ''})` : `exited ${code}`;
        reject(new GitError(`git ${label} ${what}: ${this.safe(stderr.trim())}`, true));
      });
    });
  }

  /** Error text without any configured token or URL user-info. */
  private safe(text: string): string {
    return scrub(text, this.config.credentials.map((c) => c.password));
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
