/** Log locations: readable for ordinary ids, injective and reversible for every id, never outside their folder. */
import fc from 'fast-check';
import { MAX_SEGMENT_BYTES, decodeLogId, encodeLogId, parseTaskLogKey, taskLogKey, taskLogSegments } from './log-location.js';

describe('task log locations', () => {
  it("keep Airflow's readable layout for ordinary ids", () => {
    expect(taskLogKey({ dagId: 'etl', runId: 'manual__2024-01-01T00:00:00+00:00', taskId: 'grp.load_1', tryNumber: 2 })).toBe(
      'dag_id=etl/run_id=manual__2024-01-01T00:00:00+00:00/task_id=grp.load_1/attempt=2.log',
    );
    expect(taskLogKey({ dagId: 'etl', runId: 'r', taskId: 't', tryNumber: 1, mapIndex: 3 })).toBe('dag_id=etl/run_id=r/task_id=t/map_index=3/attempt=1.log');
  });

  it('give ids that differ only in characters outside the kept set different locations', () => {
    const keys = ['col_1', 'col~1', 'col 1', 'col/1', 'col%7E1', 'col\\1', 'colé1'].map((runId) => taskLogKey({ dagId: 'd', runId, taskId: 't', tryNumber: 1 }));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys[1]).toBe('dag_id=d/run_id=col%7E1/task_id=t/attempt=1.log');
    expect(keys[4]).toBe('dag_id=d/run_id=col%257E1/task_id=t/attempt=1.log');
  });

  it('never produce a segment that is empty of meaning or climbs out: `.`, `..`, separators', () => {
    for (const id of ['.', '..', '../../etc', '.hidden', 'a/../b', '\0', '']) {
      for (const segment of taskLogSegments({ dagId: id, runId: id, taskId: id, tryNumber: 1 })) {
        expect(segment).not.toMatch(/[/\\\0]/);
        expect(['.', '..']).not.toContain(segment);
        expect(segment).toMatch(/^(dag_id|run_id|task_id|attempt)=/);
      }
    }
  });

  it('split long ids into segments within file-name limits', () => {
    const segments = taskLogSegments({ dagId: 'd', runId: 'r', taskId: '~'.repeat(300), tryNumber: 1 });
    // 300 × `%7E` = 900 bytes: task_id= and four continuations.
    expect(segments).toHaveLength(2 + 5 + 1);
    for (const s of segments) expect(Buffer.byteLength(s)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES + 'task_id='.length);
    expect(segments.slice(3, 7).every((s) => s.startsWith('='))).toBe(true);
  });

  it('are reversible (hence injective) for any ids, lone surrogates included', () => {
    // Any UTF-16 code unit (lone surrogates too), astral characters, and the characters the encoding gives meaning to.
    const char = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
      fc.constantFrom('%', '%u', '=', '.', '/', '~', '_', 'a'),
    );
    const anyId = (maxLength: number) => fc.array(char, { maxLength }).map((chars) => chars.join(''));
    fc.assert(fc.property(anyId(40), (id) => decodeLogId(encodeLogId(id)) === id), { numRuns: 2000 });
    const ids = fc.record({ dagId: anyId(300), runId: anyId(20), taskId: anyId(100), tryNumber: fc.nat(), mapIndex: fc.integer({ min: -1, max: 5 }) });
    fc.assert(fc.property(ids, (t) => JSON.stringify(parseTaskLogKey(taskLogKey(t))) === JSON.stringify(t)), { numRuns: 300 });
    expect(parseTaskLogKey('dag_id=a/task_id=b/attempt=1.log')).toBeUndefined();
  });
});
