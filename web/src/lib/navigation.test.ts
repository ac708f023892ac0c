import { safeNext } from './navigation';

describe('safeNext', () => {
  it('keeps paths of this site, with their query', () => {
    expect(safeNext('/dags/etl/graph?run=manual__1')).toBe('/dags/etl/graph?run=manual__1');
  });
  it('refuses other sites, protocol-relative and backslash tricks, and the login page itself', () => {
    for (const next of [null, '', 'https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '/login?next=/x']) {
      expect(safeNext(next)).toBe('/dags');
    }
  });
});
