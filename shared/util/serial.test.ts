import { serial } from './serial.js';

describe('serial', () => {
  it('runs jobs one at a time in the order given, each after the one before has settled', async () => {
    const one = serial();
    const events: string[] = [];
    const job = (name: string, ms: number, fail = false) => async () => {
      events.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      events.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([one(job('a', 20)), one(job('b', 1, true)), one(job('c', 5))]);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['a', 'b', 'c']);
  });
});
