import { formatDuration, formatInZone, formatRelative, secondsBetween } from './time';

describe('time formatting', () => {
  it('formats durations at a readable precision', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(2.44)).toBe('2.4 s');
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(3720)).toBe('1 h 02 min');
    expect(formatDuration(2 * 86400 + 3 * 3600)).toBe('2 d 3 h');
  });
  it('says how far an instant is from now', () => {
    const now = Date.parse('2024-06-01T12:00:00Z');
    expect(formatRelative('2024-06-01T15:00:00Z', now)).toBe('in 3 h');
    expect(formatRelative('2024-06-01T11:55:00Z', now)).toBe('5 min ago');
    expect(formatRelative(null, now)).toBe('');
  });
  it('measures running things up to now', () => {
    const now = Date.parse('2024-06-01T12:00:10Z');
    expect(secondsBetween('2024-06-01T12:00:00Z', null, now)).toBe(10);
    expect(secondsBetween('2024-06-01T12:00:00Z', '2024-06-01T12:00:04Z', now)).toBe(4);
    expect(secondsBetween(null, null, now)).toBeNull();
  });
  it("shows an instant as the wall clock of a schedule's zone", () => {
    expect(formatInZone('2026-12-07T05:00:00+00:00', 'Europe/Paris')).toBe('2026-12-07 06:00 Europe/Paris');
    expect(formatInZone('2026-07-06T04:00:00Z', 'Europe/Paris')).toBe('2026-07-06 06:00 Europe/Paris');
    expect(formatInZone('2026-12-07T23:30:00Z', 'America/New_York')).toBe('2026-12-07 18:30 America/New_York');
    expect(formatInZone('2026-12-07T00:00:00Z', 'UTC')).toBe('2026-12-07 00:00 UTC');
    expect(formatInZone(null, 'UTC')).toBe('—');
    expect(formatInZone('2026-12-07T00:00:00Z', 'Not/AZone')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });
});
