/**
 * Delivers one command's event results and script output to the api. Updates are batched: the
 * first pending update opens a window (REPORT_BATCH_MS for an end, REPORT_HOLD_MS otherwise: both
 * 1 s by default), and everything pending when it closes — starts, ends, output — goes in one
 * report; a completion is sent at once, with whatever is pending, and so is what is pending when
 * a hook process starts (flush). A quick command (no-op hooks) is so one report in all, a slow one
 * about one per hook. A failed report is retried unchanged (same log sequence number, so
 * nothing is appended twice), and `finish()` resolves only once the api has accepted the
 * completion.
 *
 * Batching loses nothing on a crash: the agent journals an event's end before it hands it to the
 * reporter, and a restarted agent reports every journaled event of an undelivered command again
 * (see Agent.recoverJournal); only script output still in the window is lost, as it would be
 * mid-request.
 */
import { AgentApiError, type AgentApiClient } from './api-client.js';
import type { EventUpdate, LogSegment, ReportRequest, ReportResponse } from '../shared/protocol.js';
import type { LifecycleEventName } from '../shared/domain/lifecycle.js';

/**
 * How long an event's end waits for company before it is sent. Nothing waits on an end alone:
 * the control plane acts on a command's completion (sent at once), and the next hook's start
 * sends it anyway; only a live view sees it up to a second later. Fleet bench at 1000 hosts
 * (docs/BENCHMARKS.md, H): 150 ms → 1 s took reports per host from 7 to 4 and the control plane's
 * CPU down ~15 % (17–28 reports per host before any batching).
 */
export const REPORT_BATCH_MS = 1000;
/**
 * How long starts and script output alone may wait: nothing is decided on them, so they ride
 * along with anything sent sooner, or go after this for a live view.
 */
export const REPORT_HOLD_MS = 1000;
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
  private batchTimer: NodeJS.Timeout | undefined;
  private batchDue = 0;
  private lastAnswer: ReportResponse = { accepted: true, cancel: false };
  private sentComplete = false;
  /** The api no longer accepts reports on this command: later updates are dropped. */
  private closed = false;

  constructor(
    private readonly client: AgentApiClient,
    private readonly commandId: string,
    /** Called when the api says the command is no longer wanted (stopped, or given up on). */
    private readonly onCancel: () => void,
    private readonly onRejected: (err: AgentApiError) => void,
    private readonly batchMs = REPORT_BATCH_MS,
    private readonly holdMs = REPORT_HOLD_MS,
  ) {}

  event(update: EventUpdate): void {
    if (this.closed) return;
    const previous = this.pendingEvents.get(update.lifecycleEventName);
    this.pendingEvents.set(update.lifecycleEventName, { ...previous, ...update });
    this.schedule();
  }

  log(text: string, event: LifecycleEventName): void {
    if (this.closed) return;
    const last = this.pendingLog[this.pendingLog.length - 1];
    if (last?.lifecycleEventName === event) last.text += text;
    else this.pendingLog.push({ lifecycleEventName: event, text });
    this.pendingLogChars += text.length;
    this.schedule();
  }

  /**
   * Send what is pending now, without waiting for the window: a hook process just started, so
   * the host will be in this event for a while, and if it dies there the control plane must know
   * which event it was in (it fails the event it last saw start) and that the ones before ended.
   */
  flush(): void {
    if (this.hasPending()) this.kick();
  }

  /** Mark the command complete and wait until the api has it. */
  async finish(): Promise<ReportResponse> {
    this.completeRequested = true;
    this.kick();
    while (this.pumping) await this.pumping;
    return this.lastAnswer;
  }

  /** Open a batch window, unless one is open or a report is in flight (its end opens the next). */
  private schedule(): void {
    if (this.completeRequested || this.pendingLogChars >= REPORT_LOG_CHARS) {
      this.kick();
      return;
    }
    if (this.pumping) return;
    const delay = [...this.pendingEvents.values()].some((e) => e.status !== 'InProgress') ? this.batchMs : this.holdMs;
    const due = Date.now() + delay;
    if (this.batchTimer) {
      if (this.batchDue <= due) return;
      clearTimeout(this.batchTimer); // an end arrived: the window shrinks to batchMs
    }
    this.batchDue = due;
    this.batchTimer = setTimeout(() => {
      this.batchTimer = undefined;
      this.kick();
    }, delay);
  }

  private kick(): void {
    if (this.batchTimer) {
      clearTimeout(this.batchTimer);
      this.batchTimer = undefined;
    }
    if (this.pumping) return;
    const pumping = this.pump().finally(() => {
      this.pumping = undefined;
    });
    this.pumping = pumping;
    pumping.then(
      // What arrived during the last report gets a window of its own (or goes now, if complete).
      () => {
        if (this.hasPending()) this.schedule();
      },
      // A report that threw (the agent is stopping) is not retried here; `finish()` sees the error.
      () => undefined,
    );
  }

  private hasPending(): boolean {
    return this.pendingEvents.size > 0 || this.pendingLogChars > 0 || (this.completeRequested && !this.sentComplete);
  }

  private async pump(): Promise<void> {
    // Sends what is pending; keeps going without a window only to deliver a completion or a full log.
    if (!this.hasPending()) return;
    do {
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
          this.closed = true;
        }
      }
    } while (this.hasPending() && (this.completeRequested || this.pendingLogChars >= REPORT_LOG_CHARS));
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
