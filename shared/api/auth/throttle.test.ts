import { MemoryMetadataStore } from '../../../local/stores/memory-metadata.js';
import { FakeClock, T0 } from '../test-support.js';
import { DEFAULT_SIGN_IN_POLICY, lockedUntil, SignInThrottle } from './throttle.js';

const policy = DEFAULT_SIGN_IN_POLICY;
const count = (failures: number) => ({ subject: 'user:a', failures, last_failure_at: T0.toISOString(), expires_at: 0 });

describe('lockedUntil', () => {
  it('locks from the tenth failure for 30 s, doubling per further failure, capped at an hour', () => {
    expect(lockedUntil(count(9), policy)).toBeNull();
    const lockout = (failures: number) => lockedUntil(count(failures), policy)! - T0.getTime();
    expect([10, 11, 12, 13].map(lockout)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(lockout(17)).toBe(60 * 60_000);
    expect(lockout(10_000)).toBe(60 * 60_000);
  });
});

describe('SignInThrottle', () => {
  const setup = () => {
    const clock = new FakeClock();
    const store = new MemoryMetadataStore();
    return { clock, store, throttle: new SignInThrottle(store, clock.fn) };
  };

  it('refuses a user after ten failures and says for how long; the lockout lapses', async () => {
    const { clock, throttle } = setup();
    for (let i = 0; i < 9; i++) await throttle.failed({ username: 'alice', address: `10.0.0.${i}` });
    expect(await throttle.retryAfterSeconds({ username: 'alice', address: '10.9.9.9' })).toBeNull();
    await throttle.failed({ username: 'ALICE', address: '10.0.0.99' }); // usernames are counted case-insensitively
    expect(await throttle.retryAfterSeconds({ username: 'alice', address: '10.9.9.9' })).toBe(30);
    clock.advance(29_001);
    expect(await throttle.retryAfterSeconds({ username: 'alice', address: null })).toBe(1);
    clock.advance(1_000);
    expect(await throttle.retryAfterSeconds({ username: 'alice', address: null })).toBeNull();
    // The next failure locks for twice as long.
    await throttle.failed({ username: 'alice', address: null });
    expect(await throttle.retryAfterSeconds({ username: 'alice', address: null })).toBe(60);
  });

  it('refuses an address that guessed at many users, and not the users from elsewhere', async () => {
    const { throttle } = setup();
    for (let i = 0; i < 10; i++) await throttle.failed({ username: `user${i}`, address: '203.0.113.5' });
    expect(await throttle.retryAfterSeconds({ username: 'fresh', address: '203.0.113.5' })).toBe(30);
    expect(await throttle.retryAfterSeconds({ username: 'user1', address: '198.51.100.1' })).toBeNull();
  });

  it('does not count loopback addresses (every local client shares them), only the users tried', async () => {
    const { throttle } = setup();
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      for (let i = 0; i < 10; i++) await throttle.failed({ username: `${address}-user${i}`, address });
      expect(await throttle.retryAfterSeconds({ username: 'fresh', address })).toBeNull();
    }
    expect(await throttle.retryAfterSeconds({ username: '127.0.0.1-user1', address: '127.0.0.1' })).toBeNull();
  });

  it("a success clears the user's count but not the address's", async () => {
    const { throttle, store, clock } = setup();
    for (let i = 0; i < 9; i++) await throttle.failed({ username: 'alice', address: '203.0.113.5' });
    await throttle.succeeded('Alice');
    expect(await store.getSignInFailures('user:alice', clock.fn())).toBeUndefined();
    expect(await store.getSignInFailures('addr:203.0.113.5', clock.fn())).toMatchObject({ failures: 9 });
  });
});
