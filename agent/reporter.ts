/**
 * Delivers one command's event results and script output to the api. Updates are coalesced
 * while a report is in flight (so a busy fleet sends few requests), a failed report is retried
 * unchanged (same log sequence number, so nothing is appended twice), and `finish()` resolves
 * only once the api has accepted the completion.
 */
import { AgentApiError, type AgentApiClient } from './api-client.js';
import type { EventUpdate, ReportRequest, ReportResponse } from '../shared/protocol.js';
import { MAX_LOG_CHUNK } from '../shared/protocol.js';

const LOG_FLUSH_DELAY_MS = 300;

export class CommandReporter {
  private pendingEvents = new Map<string, EventUpdate>();
  private pendingLog = '';
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

  log(text: string): void {
    this.pendingLog += text;
    if (this.pendingLog.length >= MAX_LOG_CHUNK / 2) this.kick();
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
    while (this.pendingEvents.size > 0 || this.pendingLog.length > 0 || (this.completeRequested && !this.sentComplete)) {
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
          this.pendingLog = '';
          this.sentComplete = true;
        }
      }
    }
  }

  private nextBody(): ReportRequest {
    const events = [...this.pendingEvents.values()];
    this.pendingEvents.clear();
    let log: string | undefined;
    let logSeq: number | undefined;
    if (this.pendingLog.length > 0) {
      log = this.pendingLog.slice(0, MAX_LOG_CHUNK);
      this.pendingLog = this.pendingLog.slice(log.length);
      logSeq = ++this.logSeq;
    }
    const complete = this.completeRequested && this.pendingEvents.size === 0 && this.pendingLog.length === 0;
    return { events, log, logSeq, complete };
  }
}
