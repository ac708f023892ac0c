import { ApiError } from '../api/client';
import { LogFollower, type FollowStatus, type LogChunk } from './log-follow';

/** A follower whose timer runs only when the test says so. */
function harness(responses: (LogChunk | Error)[], finished: boolean[]) {
  const calls: (string | undefined)[] = [];
  const text: string[] = [];
  const statuses: FollowStatus[] = [];
  const errors: unknown[] = [];
  let pending: (() => void) | null = null;
  let tick = 0;
  const follower = new LogFollower({
    fetch: async (token) => {
      calls.push(token);
      const r = responses.shift();
      if (!r) throw new Error('no more responses');
      if (r instanceof Error) throw r;
      return r;
    },
    isFinished: () => finished[Math.min(tick++, finished.length - 1)]!,
    onText: (t) => text.push(t),
    onStatus: (s) => statuses.push(s),
    onError: (e) => errors.push(e),
    schedule: (fn) => {
      pending = fn;
      return 1;
    },
    cancel: () => (pending = null),
  });
  const flush = () => new Promise((r) => setTimeout(r, 0));
  const next = async () => {
    const fn = pending;
    pending = null;
    fn?.();
    await flush();
  };
  return { follower, calls, text, statuses, errors, next, flush, scheduled: () => pending !== null };
}

const notFound = () => new ApiError(404, { type: 'x', title: 'Log not found', status: 404, detail: '' });

describe('LogFollower', () => {
  it('reads the whole log, then only what was appended, until one read after the try finished', async () => {
    const h = harness(
      [
        { content: 'line 1\n', continuation_token: 't1' },
        { content: '', continuation_token: 't1' },
        { content: 'line 2\n', continuation_token: 't2' },
        { content: 'last line\n', continuation_token: 't3' },
      ],
      [false, false, false, true],
    );
    h.follower.start();
    await h.flush();
    await h.next();
    await h.next();
    await h.next();
    expect(h.calls).toEqual([undefined, 't1', 't1', 't2']);
    expect(h.text.join('')).toBe('line 1\nline 2\nlast line\n');
    expect(h.statuses).toEqual(['following', 'following', 'following', 'done']);
    expect(h.scheduled()).toBe(false);
  });

  it('waits for a log that does not exist yet while the try runs', async () => {
    const h = harness([notFound(), { content: 'started\n', continuation_token: 't1' }], [false, true]);
    h.follower.start();
    await h.flush();
    expect(h.statuses).toEqual(['waiting']);
    await h.next();
    expect(h.text).toEqual(['started\n']);
    expect(h.statuses.at(-1)).toBe('done');
  });

  it('stops on a missing log of a finished try, and on other errors (reported)', async () => {
    const missing = harness([notFound()], [true]);
    missing.follower.start();
    await missing.flush();
    expect(missing.statuses).toEqual(['done']);
    const broken = harness([new Error('boom')], [false]);
    broken.follower.start();
    await broken.flush();
    expect(broken.errors).toHaveLength(1);
    expect(broken.statuses).toEqual(['stopped']);
    expect(broken.scheduled()).toBe(false);
  });

  it('does nothing more once stopped', async () => {
    const h = harness([{ content: 'a', continuation_token: 't1' }, { content: 'b', continuation_token: 't2' }], [false]);
    h.follower.start();
    await h.flush();
    h.follower.stop();
    await h.next();
    expect(h.text).toEqual(['a']);
    expect(h.calls).toHaveLength(1);
  });
});
