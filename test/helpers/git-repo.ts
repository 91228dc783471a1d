/** A real local git repository for tests: commit a tree of files, get the commit id back. */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.test',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.test',
  GIT_CONFIG_NOSYSTEM: '1',
};

export class LocalRepo {
  private constructor(readonly dir: string) {}

  static async create(): Promise<LocalRepo> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cutover-repo-'));
    const repo = new LocalRepo(dir);
    repo.git('init', '--quiet', '--initial-branch=main');
    return repo;
  }

  git(...args: string[]): string {
    return execFileSync('git', ['-C', this.dir, ...args], { env: GIT_ENV, encoding: 'utf8' }).trim();
  }

  /**
   * Replace the work tree's content with `files` (path → content; `*.sh` become executable),
   * commit it on `branch` (created from the current HEAD when new) and return the commit id.
   */
  async commit(branch: string, message: string, files: Record<string, string>): Promise<string> {
    const branches = this.git('branch', '--list', branch);
    let hasCommits = true;
    try {
      this.git('rev-parse', '--verify', '--quiet', 'HEAD');
    } catch {
      hasCommits = false;
    }
    if (!branches && hasCommits) this.git('checkout', '--quiet', '-b', branch);
    else if (branches) this.git('checkout', '--quiet', branch);
    this.git('rm', '-r', '--quiet', '--ignore-unmatch', '.');
    for (const [rel, content] of Object.entries(files)) {
      const file = path.join(this.dir, rel);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
      if (rel.endsWith('.sh')) await chmod(file, 0o755);
    }
    this.git('add', '--all');
    this.git('commit', '--quiet', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD');
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
