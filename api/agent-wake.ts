/**
 * Wakes agents' long polls when a command is opened for them. Scripts that open commands PUBLISH
 * the instance name on one channel; every api replica subscribes once and wakes its own waiters.
 * After a reconnect every waiter is woken, since messages sent while disconnected are lost.
 */
import type { Redis } from 'ioredis';

export class AgentWake {
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly subscriber: Redis,
    private readonly channel: string,
  ) {}

  async start(): Promise<void> {
    this.subscriber.on('message', (_channel: string, instanceName: string) => this.wake(instanceName));
    this.subscriber.on('ready', () => this.wakeAll());
    await this.subscriber.subscribe(this.channel);
  }

  /** Resolves when the instance is woken, after `ms`, or when `signal` aborts, whichever is first. */
  wait(instanceName: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        const set = this.waiters.get(instanceName);
        set?.delete(done);
        if (set?.size === 0) this.waiters.delete(instanceName);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
      let set = this.waiters.get(instanceName);
      if (!set) this.waiters.set(instanceName, (set = new Set()));
      set.add(done);
    });
  }

  private wake(instanceName: string): void {
    for (const done of [...(this.waiters.get(instanceName) ?? [])]) done();
  }

  private wakeAll(): void {
    for (const name of [...this.waiters.keys()]) this.wake(name);
  }

  async close(): Promise<void> {
    this.wakeAll();
    this.subscriber.disconnect();
  }
}
