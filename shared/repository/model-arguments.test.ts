/** The models= operator argument: checked, resolved to the stored versions' records, absent versions named. */
import type { RepositoryItemInfo, RepositoryLookup } from '../runtime/templates/repository.js';
import { ModelArgumentError, modelLookups, resolveModelArguments } from './model-arguments.js';

const item = (name: string, version: number): RepositoryItemInfo => ({
  name,
  version,
  flavor: 'other',
  uri: `/r/${name}/${version}/f`,
  file_uri: `/r/${name}/${version}/f`,
  file_name: 'f',
  size: 1,
  sha256: 'ab',
  description: 'a long description the program does not need',
});

describe('models= argument', () => {
  it('names versions (None: the latest) and refuses anything else', () => {
    expect(modelLookups({ churn: 3, scaler: null })).toEqual([
      { kind: 'model', name: 'churn', version: 3 },
      { kind: 'model', name: 'scaler', version: null },
    ]);
    expect(modelLookups(undefined)).toEqual([]);
    for (const bad of [['churn'], 'churn', { churn: 0 }, { churn: 1.5 }, { churn: '3' }]) {
      expect(() => modelLookups(bad as never)).toThrow(ModelArgumentError);
    }
  });

  it('resolves once every version is fetched; an absent version is an error naming it', () => {
    const fetched = new Map<string, RepositoryItemInfo | null>();
    const lookup = (l: RepositoryLookup) => fetched.get(`${l.name}|${l.version}`);
    expect(resolveModelArguments({ churn: 3, scaler: null }, lookup)).toBeUndefined();
    fetched.set('churn|3', item('churn', 3));
    fetched.set('scaler|null', item('scaler', 7));
    expect(resolveModelArguments({ churn: 3, scaler: null }, lookup)).toEqual({
      churn: { name: 'churn', version: 3, flavor: 'other', uri: '/r/churn/3/f', file_uri: '/r/churn/3/f', file_name: 'f', sha256: 'ab' },
      scaler: { name: 'scaler', version: 7, flavor: 'other', uri: '/r/scaler/7/f', file_uri: '/r/scaler/7/f', file_name: 'f', sha256: 'ab' },
    });
    fetched.set('churn|9', null);
    expect(() => resolveModelArguments({ churn: 9 }, lookup)).toThrow(/model churn version 9 does not exist/);
  });
});
