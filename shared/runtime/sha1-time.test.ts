import { createHash } from 'node:crypto';
import { sha1Hex, sha1Int } from './sha1.js';
import { pythonUtcDatetimeStr, toEpochMs } from './time.js';

describe('sha1', () => {
  it('matches known digests', () => {
    expect(sha1Hex('')).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(sha1Hex('abc')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(sha1Int('abc')).toBe(0xa9993e364706816aba3e25717850c26c9cd0d89dn);
  });
  it("matches node:crypto on padding boundaries and UTF-8 input", () => {
    for (const text of ['a'.repeat(55), 'b'.repeat(56), 'c'.repeat(63), 'd'.repeat(64), 'e'.repeat(1000), 'dag#tâsk#日付#3']) {
      expect(sha1Hex(text)).toBe(createHash('sha1').update(text, 'utf8').digest('hex'));
    }
  });
});

describe('time', () => {
  it("formats like Python's str() of a UTC datetime", () => {
    expect(pythonUtcDatetimeStr('2024-01-01T00:00:00Z')).toBe('2024-01-01 00:00:00+00:00');
    expect(pythonUtcDatetimeStr('2024-01-01T02:00:00+02:00')).toBe('2024-01-01 00:00:00+00:00');
    expect(pythonUtcDatetimeStr('2024-03-10T07:30:15.25+00:00')).toBe('2024-03-10 07:30:15.250000+00:00');
    expect(pythonUtcDatetimeStr('2024-03-10T07:30:15.123456Z')).toBe('2024-03-10 07:30:15.123456+00:00');
    expect(pythonUtcDatetimeStr(new Date(Date.UTC(2024, 2, 10, 7, 30, 15, 5)))).toBe('2024-03-10 07:30:15.005000+00:00');
    expect(pythonUtcDatetimeStr('2024-01-31')).toBe('2024-01-31 00:00:00+00:00');
  });
  it('rejects instants without an offset and invalid dates', () => {
    expect(() => toEpochMs('2024-01-01T00:00:00', 'logical date')).toThrow(
      "logical date '2024-01-01T00:00:00' is not an ISO-8601 instant with an offset",
    );
    expect(() => toEpochMs(new Date(NaN))).toThrow('time is an invalid Date');
    expect(toEpochMs('1970-01-01T00:00:01Z')).toBe(1000);
  });
});
