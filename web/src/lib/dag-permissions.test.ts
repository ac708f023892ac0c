import { holdsOnDag, type DagPermissions } from './dag-permissions';

describe('holdsOnDag', () => {
  const readerOfA: DagPermissions = { all_dags: [], dags: { alpha: ['can_read'], bravo: ['can_read', 'can_edit'] } };

  it('holds an action on a DAG granted it, and nothing on others', () => {
    expect(holdsOnDag(readerOfA, 'alpha', 'can_read')).toBe(true);
    expect(holdsOnDag(readerOfA, 'alpha', 'can_edit')).toBe(false);
    expect(holdsOnDag(readerOfA, 'bravo', 'can_edit')).toBe(true);
    expect(holdsOnDag(readerOfA, 'charlie', 'can_read')).toBe(false);
  });

  it('holds actions given on every DAG everywhere; no permissions (not signed in yet) hold nothing', () => {
    const viewerPlus: DagPermissions = { all_dags: ['can_read'], dags: { alpha: ['can_read', 'can_edit'] } };
    expect(holdsOnDag(viewerPlus, 'anything', 'can_read')).toBe(true);
    expect(holdsOnDag(viewerPlus, 'anything', 'can_edit')).toBe(false);
    expect(holdsOnDag(viewerPlus, 'alpha', 'can_edit')).toBe(true);
    expect(holdsOnDag(null, 'alpha', 'can_read')).toBe(false);
  });

  it('treats DAG ids as keys only (a DAG named like an Object property holds nothing by itself)', () => {
    expect(holdsOnDag(readerOfA, '__proto__', 'can_read')).toBe(false);
    expect(holdsOnDag(readerOfA, 'toString', 'can_read')).toBe(false);
  });
});
