import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { idleCollector } from '../../agent/idle-collection.js';

describe('idle collection', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('collects (twice, see why there) a delay after the last time the agent ran out of work', () => {
    const gc = vi.fn();
    const onIdle = idleCollector(gc, 1000)!;
    onIdle();
    vi.advanceTimersByTime(600);
    onIdle();
    vi.advanceTimersByTime(600);
    expect(gc).not.toHaveBeenCalled();
    vi.advanceTimersByTime(400);
    expect(gc).toHaveBeenCalledTimes(2);
  });

  it('is absent when the process cannot collect (no --expose-gc)', () => {
    expect(idleCollector(undefined)).toBeUndefined();
  });
});
