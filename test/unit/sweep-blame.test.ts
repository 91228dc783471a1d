/** The sweeper's rule for telling a silent agent from a control plane that hears none of them. */
import { describe, expect, it } from 'vitest';
import { noAgentHeard } from '../../workers/scheduler/sweep.js';

const TIMEOUT = 6000;
const now = 1_000_000;

describe('noAgentHeard', () => {
  it('one agent silent while others are heard: that agent is to blame', () => {
    expect(noAgentHeard(new Map([['a', now - 10_000], ['b', now - 200], ['c', now - 900]]), now, TIMEOUT)).toBe(false);
  });
  it('every agent with work silent for over half the timeout: the api is behind', () => {
    expect(noAgentHeard(new Map([['a', now - 3001], ['b', now - 4000]]), now, TIMEOUT)).toBe(true);
  });
  it('just under half the timeout is still hearing them', () => {
    expect(noAgentHeard(new Map([['a', now - 3000], ['b', now - 9000]]), now, TIMEOUT)).toBe(false);
  });
  it('a single agent cannot be told from the api: judged alone', () => {
    expect(noAgentHeard(new Map([['a', now - 60_000]]), now, TIMEOUT)).toBe(false);
    expect(noAgentHeard(new Map(), now, TIMEOUT)).toBe(false);
  });
});
