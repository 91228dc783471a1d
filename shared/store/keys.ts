/**
 * Every Redis key Cutover writes, built in one place. The prefix is wrapped in a hash tag
 * (`{cutover}:…`) so that a Redis Cluster keeps all keys touched by one script in one slot.
 */
export type Keys = ReturnType<typeof createKeys>;

export function createKeys(prefix: string) {
  const p = `{${prefix}}`;
  return {
    prefix: p,
    /** BullMQ's own prefix (queues live under it). */
    bullPrefix: `${p}:bull`,
    wakeChannel: `${p}:wake`,

    app: (name: string) => `${p}:app:${name}`,
    apps: `${p}:apps`,
    config: (name: string) => `${p}:config:${name}`,
    configs: `${p}:configs`,
    group: (app: string, name: string) => `${p}:group:${app}:${name}`,
    groups: (app: string) => `${p}:groups:${app}`,
    groupLock: (groupId: string) => `${p}:group-lock:${groupId}`,
    groupQueue: (groupId: string) => `${p}:group-queue:${groupId}`,

    instance: (name: string) => `${p}:inst:${name}`,
    instances: `${p}:insts`,
    instanceCommands: (name: string) => `${p}:inst-cmds:${name}`,
    token: (hash: string) => `${p}:token:${hash}`,

    revision: (app: string, digest: string) => `${p}:rev:${app}:${digest}`,
    revisions: (app: string) => `${p}:revs:${app}`,

    deployment: (id: string) => `${p}:dep:${id}`,
    targets: (id: string) => `${p}:dep:${id}:targets`,
    waiting: (id: string) => `${p}:dep:${id}:waiting`,
    scriptLog: (id: string, instance: string) => `${p}:dep:${id}:log:${instance}`,
    deploymentEvents: (id: string) => `${p}:dep:${id}:events`,
    allEvents: `${p}:events`,
    deployments: `${p}:deps`,
    groupDeployments: (groupId: string) => `${p}:deps:group:${groupId}`,
    activeDeployments: `${p}:deps:active`,
    clientToken: (app: string, token: string) => `${p}:client-token:${app}:${token}`,

    command: (id: string) => `${p}:cmd:${id}`,
    openCommands: `${p}:cmds:open`,
    commandLogSeq: (id: string) => `${p}:cmd:${id}:log-seq`,
  };
}
