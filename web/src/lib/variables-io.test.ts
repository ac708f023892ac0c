import { exportVariables, planImport } from './variables-io';

describe('variables import/export', () => {
  it("exports Airflow's {key: value} format, sorted", () => {
    expect(JSON.parse(exportVariables([{ key: 'b', value: '2', description: null }, { key: 'a', value: '***', description: 'secret' }]))).toEqual({ a: '***', b: '2' });
  });

  it('plans upserts, keeping JSON values as JSON text, and never writes a masked value back', () => {
    const plan = planImport('{"env": "prod", "limits": {"rows": 10}, "n": 3, "db_password": "***"}');
    expect(plan.upserts).toEqual([
      { key: 'env', value: 'prod' },
      { key: 'limits', value: '{"rows":10}' },
      { key: 'n', value: '3' },
    ]);
    expect(plan.skippedMasked).toEqual(['db_password']);
    expect(plan.errors).toEqual([]);
  });

  it('refuses files that are not one JSON object', () => {
    expect(planImport('[1,2]').errors).toEqual(['The file must hold one JSON object: {"key": "value", …}']);
    expect(planImport('{oops').errors[0]).toMatch(/^The file is not valid JSON/);
    expect(planImport('{"": "x"}').errors).toEqual(['A variable has an empty key']);
  });
});
