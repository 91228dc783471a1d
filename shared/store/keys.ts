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

    /** Accounts (id → JSON), each account's api and enrollment tokens (token id → JSON, hash inside), grants. */
    accounts: `${p}:accounts`,
    accountTokens: (accountId: string) => `${p}:tokens:${accountId}`,
    grant: (grantId: string) => `${p}:grant:${grantId}`,
    grantsGiven: (accountId: string) => `${p}:grants:given:${accountId}`,
    grantsReceived: (accountId: string) => `${p}:grants:received:${accountId}`,
    /** Per account: the audit log, a capped stream of every write its tokens made or its grants allowed. */
    audit: (accountId: string) => `${p}:audit:${accountId}`,

    revision: (app: string, digest: string) => `${p}:rev:${app}:${digest}`,
    revisions: (app: string) => `${p}:revs:${app}`,

    deployment: (id: string) => `${p}:dep:${id}`,
    targets: (id: string) => `${p}:dep:${id}:targets`,
    waiting: (id: string) => `${p}:dep:${id}:waiting`,
    /** One lifecycle event's script log on one instance (capped; see lua/append-log.lua). */
    eventLog: (id: string, instance: string, event: string) => `${p}:dep:${id}:log:${instance}:${event}`,
    /** Per deployment: bytes dropped from the head of each event log, by `<instance> <event>`. */
    logDropped: (id: string) => `${p}:dep:${id}:log-dropped`,
    /** Per deployment: one entry per appended chunk (instance, event, end offset; no text), for live followers. */
    logStream: (id: string) => `${p}:dep:${id}:log-stream`,
    deploymentEvents: (id: string) => `${p}:dep:${id}:events`,
    allEvents: `${p}:events`,
    deployments: `${p}:deps`,
    groupDeployments: (groupId: string) => `${p}:deps:group:${groupId}`,
    activeDeployments: `${p}:deps:active`,
    /** Closed deployments whose automatic rollback is not settled yet (they still hold their group's slot). */
    rollbacksPending: `${p}:deps:rollback-pending`,
    /** Per group: ids of its last attempted and last successful deployments. */
    groupLast: (groupId: string) => `${p}:group-last:${groupId}`,
    /** Per application: first and last time each revision was used by a deployment. */
    revisionUse: (app: string) => `${p}:rev-use:${app}`,
    clientToken: (app: string, token: string) => `${p}:client-token:${app}:${token}`,

    command: (id: string) => `${p}:cmd:${id}`,
    openCommands: `${p}:cmds:open`,
    commandLogSeq: (id: string) => `${p}:cmd:${id}:log-seq`,

    /** Notifications: the dispatcher's cursor over the global event stream, and one record per (event, trigger, target). */
    notifyCursor: `${p}:notify:cursor`,
    notifyDispatchLock: `${p}:notify:dispatch-lock`,
    notification: (deliveryId: string) => `${p}:notif:${deliveryId}`,
    notificationState: (deliveryId: string) => `${p}:notif:${deliveryId}:state`,
    notificationAttempts: (deliveryId: string) => `${p}:notif:${deliveryId}:attempts`,
    notificationLease: (deliveryId: string) => `${p}:notif:${deliveryId}:lease`,
    deploymentNotifications: (deploymentId: string) => `${p}:dep:${deploymentId}:notifs`,
    notifyRate: (targetKey: string, window: number) => `${p}:notify-rate:${targetKey}:${window}`,
    /** Deliveries by final outcome (Succeeded, Failed, Cancelled), counted when they finish; read by /metrics. */
    notificationOutcomes: `${p}:stats:notification-outcomes`,

    /** Git-host webhook deliveries (dedupe + record) and refused-signature counters. */
    webhookDelivery: (provider: string, deliveryId: string) => `${p}:hook:${provider}:${deliveryId}`,
    webhookDeliveries: `${p}:hooks`,
    webhookRefused: (provider: string) => `${p}:hooks:refused:${provider}`,
  };
}
