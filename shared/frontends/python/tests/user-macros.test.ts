/** DAG(user_defined_macros=..., user_defined_filters=...): what the model keeps of them. */
import { onlyDag, parse, py } from './helpers.js';

describe('user_defined_macros and user_defined_filters', () => {
  it('keeps plain-data macros as values and names the ones only the DAG file has (functions, objects, modules, run-time values)', () => {
    const dag = onlyDag(py`
      import json, os
      from datetime import datetime, timedelta
      from airflow import DAG
      from airflow.models import Variable

      class Helper:
          pass

      def fmt(x):
          return x

      with DAG("m", start_date=datetime(2024, 1, 1), schedule=None,
               user_defined_macros={"team": "data", "n": 3, "cfg": {"env": "prod", "tags": ["a"]}, "when": datetime(2020, 1, 2),
                                    "gap": timedelta(hours=1), "fmt": fmt, "inline": lambda x: x, "json": json, "helper": Helper(),
                                    "nested": {"f": fmt}, "var": Variable.get("x")},
               user_defined_filters={"shout": lambda s: s.upper(), "fmt": fmt}) as dag:
          pass
    `);
    expect(dag.user_defined_macros).toEqual({
      values: {
        team: 'data',
        n: 3,
        cfg: { env: 'prod', tags: ['a'] },
        when: { $type: 'datetime', value: '2020-01-02T00:00:00+00:00', timezone: 'UTC' },
        gap: { $type: 'timedelta', seconds: 3600 },
      },
      python: ['fmt', 'inline', 'json', 'helper', 'nested', 'var'],
    });
    expect(dag.user_defined_filters).toEqual(['shout', 'fmt']);
  });

  it('leaves DAGs without them unchanged (no keys in the model)', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      with DAG("plain", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          pass
    `);
    expect('user_defined_macros' in dag).toBe(false);
    expect('user_defined_filters' in dag).toBe(false);
  });

  it('refuses a value that is not a dict, or keys that are not strings', () => {
    const notDict = parse(py`
      from datetime import datetime
      from airflow import DAG
      with DAG("bad", start_date=datetime(2024, 1, 1), schedule=None, user_defined_macros=["a"]) as dag:
          pass
    `);
    expect(notDict.diagnostics.map((d) => d.message)).toContainEqual(expect.stringContaining("user_defined_macros' must be a dict (got list)"));
    const badKey = parse(py`
      from datetime import datetime
      from airflow import DAG
      with DAG("bad", start_date=datetime(2024, 1, 1), schedule=None, user_defined_filters={1: len}) as dag:
          pass
    `);
    expect(badKey.diagnostics.map((d) => d.message)).toContainEqual(expect.stringContaining('keys must be strings (got int)'));
  });
});
