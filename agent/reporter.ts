/**
 * Delivers one command's event results and script output to the api. Updates are coalesced
 * while a report is in flight (so a busy fleet sends few requests), a failed report is retried
 * unchanged (same log sequence number, so nothing is appended twice), and `finish()` resolves
 * only once the api has accepted the completion.
 */
import { AgentApiError, type AgentApiClient } from './api-client.js';
import type { EventUpdate, LogSegment, ReportRequest, ReportResponse } from '../shared/protocol.js';
import type { LifecycleEventName } from '../shared/domain/lifecycle.js';

const LOG_FLUSH_DELAY_MS = 300;
/** Output per report, in characters: well under the api's 1 MB JSON body limit even when escaped. */
const REPORT_LOG_CHARS = 256 * 1024;

export class CommandReporter {
  private pendingEvents = new Map<string, EventUpdate>();
  /** Output not yet sent, by event, in the order it was written. */
  private pendingLog: LogSegment[] = [];
  private pendingLogChars = 0;
  private completeRequested = false;
  private logSeq = 0;
  private pumping: Promise<void> | undefined;
  private logTimer: NodeJS.Timeout | undefined;
  private lastAnswer: ReportResponse = { accepted: true, cancel: false };
  private sentComplete = false;

  constructor(
    private readonly client: AgentApiClient,
    private readonly commandId: string,
    /** Called when the api says the command is no longer wanted (stopped, or given up on). */
    private readonly onCancel: () => void,
    private readonly onRejected: (err: AgentApiError) => void,
  ) {}

  event(update: EventUpdate): void {
    const previous = this.pendingEvents.get(update.lifecycleEventName);
    this.pendingEvents.set(update.lifecycleEventName, { ...previous, ...update });
    this.kick();
  }

  log(text: string, event: LifecycleEventName): void {
    const last = this.pendingLog[this.pendingLog.length - 1];
    if (last?.lifecycleEventName === event) last.text += text;
    else this.pendingLog.push({ lifecycleEventName: event, text });
    this.pendingLogChars += text.length;
    if (this.pendingLogChars >= REPORT_LOG_CHARS) this.kick();
    else this.logTimer ??= setTimeout(() => this.kick(), LOG_FLUSH_DELAY_MS);
  }

  /** Mark the command complete and wait until the api has it. */
  async finish(): Promise<ReportResponse> {
    this.completeRequested = true;
    this.kick();
    while (this.pumping) await this.pumping;
    return this.lastAnswer;
  }

  private kick(): void {
    if (this.logTimer) {
      clearTimeout(this.logTimer);
      this.logTimer = undefined;
    }
    this.pumping ??= this.pump().finally(() => {
      this.pumping = undefined;
    });
  }

  private async pump(): Promise<void> {
    while (this.pendingEvents.size > 0 || this.pendingLogChars > 0 || (this.completeRequested && !this.sentComplete)) {
      const body = this.nextBody();
      let answer: ReportResponse;
      try {
        answer = await this.client.report(this.commandId, body);
      } catch (err) {
        if (!(err instanceof AgentApiError)) throw err;
        // The api refused the report outright (e.g. it no longer knows the command): stop reporting.
        this.onRejected(err);
        answer = { accepted: false, cancel: true };
      }
      this.lastAnswer = answer;
      if (body.complete) this.sentComplete = true;
      if (answer.cancel || !answer.accepted) {
        this.onCancel();
        if (!answer.accepted) {
          // The control plane closed the command; nothing more will be recorded.
          this.pendingEvents.clear();
          this.pendingLog = [];
          this.pendingLogChars = 0;
          this.sentComplete = true;
        }
      }
    }
  }

  private nextBody(): ReportRequest {
    const events = [...this.pendingEvents.values()];
    this.pendingEvents.clear();
    let logs: LogSegment[] | undefined;
    let logSeq: number | undefined;
    if (this.pendingLogChars > 0) {
      logs = this.takeLog(REPORT_LOG_CHARS);
      logSeq = ++this.logSeq;
    }
    const complete = this.completeRequested && this.pendingEvents.size === 0 && this.pendingLogChars === 0;
    return { events, logs, logSeq, complete };
  }

  /** The oldest pending output, up to `limit` characters (a segment may be split). */
  private takeLog(limit: number): LogSegment[] {
    const taken: LogSegment[] = [];
    let room = limit;
    while (room > 0 && this.pendingLog.length > 0) {
      const head = this.pendingLog[0];
      if (head.text.length <= room) {
        taken.push(this.pendingLog.shift() as LogSegment);
        room -= head.text.length;
      } else {
        taken.push({ lifecycleEventName: head.lifecycleEventName, text: head.text.slice(0, room) });
        head.text = head.text.slice(room);
        room = 0;
      }
    }
    this.pendingLogChars = this.pendingLog.reduce((sum, s) => sum + s.text.length, 0);
    return taken;
  }
}
