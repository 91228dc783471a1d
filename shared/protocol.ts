/**
 * The agent protocol (HTTP + JSON under /agent/v1, bearer token per instance). Both sides parse
 * with these schemas: the api parses what agents send, the agent parses what the api answers.
 *
 *   POST /agent/v1/register            enrollment token → instance token
 *   POST /agent/v1/poll                long-poll for open commands (also the heartbeat)
 *   POST /agent/v1/commands/:id/report event results, log output, completion (idempotent)
 *   GET  /agent/v1/bundles/:digest     the revision bundle; the agent checks its sha256
 */
import * as z from 'zod';
import { LIFECYCLE_EVENTS } from './domain/lifecycle.js';

export const INSTANCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const InstanceNameSchema = z.string().regex(INSTANCE_NAME, 'letters, digits, ".", "_" and "-", at most 100');
export const DigestSchema = z.string().regex(/^[a-f0-9]{64}$/, 'a sha256 hex digest');
export const CommandIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,300}$/);
export const LifecycleEventNameSchema = z.enum(LIFECYCLE_EVENTS);
const IsoTime = z.iso.datetime({ offset: true });

export const TagsSchema = z
  .record(z.string().min(1).max(128), z.string().max(256))
  .refine((tags) => Object.keys(tags).length <= 50, 'at most 50 tags');

export const RegisterRequest = z.strictObject({
  name: InstanceNameSchema,
  tags: TagsSchema.default({}),
  hostname: z.string().max(255).optional(),
  agentVersion: z.string().max(64).optional(),
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;

export const RegisterResponse = z.object({
  instanceName: InstanceNameSchema,
  instanceToken: z.string().min(20),
  pollWaitSeconds: z.number().positive(),
  heartbeatTimeoutSeconds: z.number().positive(),
});
export type RegisterResponse = z.infer<typeof RegisterResponse>;

export const AgentCommand = z.object({
  commandId: CommandIdSchema,
  deploymentId: z.string(),
  applicationName: z.string(),
  deploymentGroupName: z.string(),
  deploymentGroupId: z.string(),
  deploymentCreator: z.string(),
  revision: z.object({ revisionType: z.literal('Bundle'), digest: DigestSchema, bundleType: z.enum(['tgz', 'tar', 'zip']) }),
  /** The git commit the bundle was archived from (GitHub/GitLab revisions); hooks get it as BUNDLE_COMMIT. */
  bundleCommit: z.string().regex(/^[0-9a-f]{7,64}$/).optional(),
  /** Consecutive lifecycle events to run, in order. */
  events: z.array(LifecycleEventNameSchema).min(1),
  fileExistsBehavior: z.enum(['DISALLOW', 'OVERWRITE', 'RETAIN']),
  ignoreApplicationStopFailures: z.boolean(),
  /** The appspec's file name when not appspec.yml/appspec.yaml (CodeDeploy's AppSpecFilename; `cutover local -A`). */
  appSpecFilename: z.string().regex(/^[^/\\]{1,255}$/).optional(),
  /**
   * Events that run the scripts of the last revision that succeeded on this host, beyond the usual
   * three: a blue/green reroute-only rollback installs nothing, so its Before/AfterAllowTraffic run
   * the revision the host already has (CodeDeploy's rollback mapping).
   */
  previousRevisionEvents: z.array(LifecycleEventNameSchema).optional(),
});
export type AgentCommand = z.infer<typeof AgentCommand>;

export const PollRequest = z.strictObject({
  /** Commands this agent is already running or has finished; the api does not hand them out again. */
  known: z.array(CommandIdSchema).max(1000).default([]),
  /** How long the agent is willing to wait; the api caps it at its own poll wait. */
  waitMs: z.number().int().min(0).max(120_000).optional(),
});
export type PollRequest = z.infer<typeof PollRequest>;

export const PollResponse = z.object({
  commands: z.array(AgentCommand),
  /** Known commands the control plane wants stopped (their hooks killed). */
  cancel: z.array(CommandIdSchema),
});
export type PollResponse = z.infer<typeof PollResponse>;

export const DiagnosticsSchema = z.strictObject({
  errorCode: z.enum(['Success', 'ScriptMissing', 'ScriptNotExecutable', 'ScriptTimedOut', 'ScriptFailed', 'UnknownError']),
  scriptName: z.string().max(1024),
  message: z.string().max(4096),
  logTail: z.string().max(4096),
});

export const EventUpdate = z.strictObject({
  lifecycleEventName: LifecycleEventNameSchema,
  status: z.enum(['InProgress', 'Succeeded', 'Failed', 'Skipped']),
  startTime: IsoTime.optional(),
  endTime: IsoTime.optional(),
  diagnostics: DiagnosticsSchema.optional(),
});
export type EventUpdate = z.infer<typeof EventUpdate>;

export const MAX_LOG_CHUNK = 1024 * 1024;

/** Script output of one lifecycle event; the api keeps each event's log (capped) for a retention period. */
export const LogSegment = z.strictObject({ lifecycleEventName: LifecycleEventNameSchema, text: z.string().max(MAX_LOG_CHUNK) });
export type LogSegment = z.infer<typeof LogSegment>;

export const ReportRequest = z
  .strictObject({
    events: z.array(EventUpdate).max(LIFECYCLE_EVENTS.length * 2).default([]),
    /** Script output produced since the previous report, by lifecycle event, in the order it was written. */
    logs: z.array(LogSegment).max(LIFECYCLE_EVENTS.length * 2).optional(),
    /** 1, 2, 3… per command: a retried report repeats its number and its log is not appended twice. */
    logSeq: z.number().int().positive().optional(),
    /** True once every event of the command has ended. */
    complete: z.boolean().default(false),
  })
  .refine((r) => r.logs === undefined || r.logSeq !== undefined, { message: 'logSeq is required with logs', path: ['logSeq'] });
export type ReportRequest = z.infer<typeof ReportRequest>;

export const ReportResponse = z.object({
  /** False when the command is unknown or already closed (by the control plane, e.g. the agent was presumed dead). */
  accepted: z.boolean(),
  cancel: z.boolean(),
});
export type ReportResponse = z.infer<typeof ReportResponse>;
