/**
 * Applications, deployment configs, deployment groups and revisions: records that are written
 * once and read often. Creation is SET NX, so two racing creates cannot both win; a group may be
 * replaced (UpdateDeploymentGroup) only by a compare-and-set against the record the caller read.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { createJson, getJson, mgetJson } from './json.js';
import { runScript } from './scripts.js';
import { PREDEFINED_CONFIGS, type DeploymentConfig } from '../domain/deployment-configs.js';
import type { Application, DeploymentGroup, RevisionInfo } from '../domain/types.js';

export type ReplaceOutcome = 'replaced' | 'changed' | 'missing';

/*
  Replace a JSON record only if it is unchanged since it was read. Inline rather than in lua/: it
  records no deployment event and is run rarely (EVAL, no EVALSHA registration needed).
  KEYS[1] the record   ARGV[1] the record as read (JSON)   ARGV[2] the new record (JSON)
  Returns 1 replaced, 0 it changed since it was read (nothing written), -1 it does not exist.
*/
const REPLACE_IF_UNCHANGED = `
local current = redis.call("GET", KEYS[1])
if not current then return -1 end
if current ~= ARGV[1] then return 0 end
redis.call("SET", KEYS[1], ARGV[2])
return 1
`;

export class Catalog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  createApplication(app: Application): Promise<boolean> {
    return createJson(this.redis, this.keys.app(app.applicationName), app, this.keys.apps, app.applicationName, Date.parse(app.createTime));
  }

  getApplication(name: string): Promise<Application | undefined> {
    return getJson(this.redis, this.keys.app(name));
  }

  async listApplications(): Promise<Application[]> {
    const names = await this.redis.zrange(this.keys.apps, 0, -1);
    return mgetJson(this.redis, names.map((n) => this.keys.app(n)));
  }

  createDeploymentConfig(config: DeploymentConfig): Promise<boolean> {
    return createJson(this.redis, this.keys.config(config.deploymentConfigName), config, this.keys.configs, config.deploymentConfigName, Date.parse(config.createTime));
  }

  async getDeploymentConfig(name: string): Promise<DeploymentConfig | undefined> {
    return PREDEFINED_CONFIGS.get(name) ?? (await getJson<DeploymentConfig>(this.redis, this.keys.config(name)));
  }

  async listDeploymentConfigs(): Promise<DeploymentConfig[]> {
    const names = await this.redis.zrange(this.keys.configs, 0, -1);
    const custom = await mgetJson<DeploymentConfig>(this.redis, names.map((n) => this.keys.config(n)));
    return [...PREDEFINED_CONFIGS.values(), ...custom];
  }

  createDeploymentGroup(group: DeploymentGroup): Promise<boolean> {
    return createJson(
      this.redis,
      this.keys.group(group.applicationName, group.deploymentGroupName),
      group,
      this.keys.groups(group.applicationName),
      group.deploymentGroupName,
      Date.parse(group.createTime),
    );
  }

  /**
   * UpdateDeploymentGroup's write: replace the record only if it is still the one the caller read
   * (compare-and-set on its JSON), so two racing updates cannot both win and the loser can re-read
   * and merge again. Deployments are not touched: each snapshotted its group when it was created.
   */
  async replaceDeploymentGroup(previous: DeploymentGroup, next: DeploymentGroup): Promise<ReplaceOutcome> {
    const key = this.keys.group(previous.applicationName, previous.deploymentGroupName);
    const result = await this.redis.eval(REPLACE_IF_UNCHANGED, 1, key, JSON.stringify(previous), JSON.stringify(next));
    return result === 1 ? 'replaced' : result === 0 ? 'changed' : 'missing';
  }

  getDeploymentGroup(app: string, name: string): Promise<DeploymentGroup | undefined> {
    return getJson(this.redis, this.keys.group(app, name));
  }

  async listDeploymentGroups(app: string): Promise<DeploymentGroup[]> {
    const names = await this.redis.zrange(this.keys.groups(app), 0, -1);
    return mgetJson(this.redis, names.map((n) => this.keys.group(app, n)));
  }

  /** Registering the same bundle twice keeps the first registration. */
  async registerRevision(info: RevisionInfo): Promise<RevisionInfo> {
    const key = this.keys.revision(info.applicationName, info.revision.digest);
    await createJson(this.redis, key, info, this.keys.revisions(info.applicationName), info.revision.digest, Date.parse(info.registerTime));
    return (await getJson<RevisionInfo>(this.redis, key)) ?? info;
  }

  async getRevision(app: string, digest: string): Promise<RevisionInfo | undefined> {
    const info = await getJson<RevisionInfo>(this.redis, this.keys.revision(app, digest));
    return info ? (await this.withUseTimes(app, [info]))[0] : undefined;
  }

  async listRevisions(app: string): Promise<RevisionInfo[]> {
    const digests = await this.redis.zrange(this.keys.revisions(app), 0, -1);
    return this.withUseTimes(app, await mgetJson<RevisionInfo>(this.redis, digests.map((d) => this.keys.revision(app, d))));
  }

  /**
   * Record that a deployment used a revision at `at` (its start time): atomic and idempotent, so
   * concurrent deployments and retried jobs keep the earliest first use and the latest last use.
   */
  async markRevisionUsed(app: string, digest: string, at: string): Promise<void> {
    await runScript(this.redis, 'mark-revision-used', [this.keys.revisionUse(app)], [digest, at]);
  }

  /** First/last use live in one hash per application (see mark-revision-used.lua), not in the record. */
  private async withUseTimes(app: string, infos: RevisionInfo[]): Promise<RevisionInfo[]> {
    if (infos.length === 0) return infos;
    const fields = infos.flatMap((i) => [`first:${i.revision.digest}`, `last:${i.revision.digest}`]);
    const times = await this.redis.hmget(this.keys.revisionUse(app), ...fields);
    return infos.map((info, i) => {
      const first = times[2 * i] ?? info.firstUsedTime;
      const last = times[2 * i + 1] ?? info.lastUsedTime;
      return { ...info, ...(first ? { firstUsedTime: first } : {}), ...(last ? { lastUsedTime: last } : {}) };
    });
  }
}
