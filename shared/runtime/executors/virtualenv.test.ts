import type { PyValue } from '../../model/schema.js';
import { makeRequest, makeTask } from './test-request.js';
import { TaskNotRunnableError } from './types.js';
import { virtualenvHash, virtualenvSpec } from './virtualenv.js';

const spec = (args: Record<string, PyValue>) =>
  virtualenvSpec(makeRequest({ task: makeTask({ task_id: 'v', operator: 'PythonVirtualenvOperator', operator_kind: 'python_virtualenv', args }) }), 'python3');

describe('virtualenv settings', () => {
  it("reads Airflow's arguments with its defaults (system site packages on, no requirements)", () => {
    expect(spec({})).toEqual({ python: 'python3', requirements: [], systemSitePackages: true, pipInstallOptions: [], indexUrls: [] });
    expect(spec({ requirements: 'pandas==2.2.0\n# a comment\n\nrequests', python_version: '3.11', system_site_packages: false, index_urls: 'https://pypi.example/simple' })).toEqual({
      python: 'python3.11',
      requirements: ['pandas==2.2.0', 'requests'],
      systemSitePackages: false,
      pipInstallOptions: [],
      indexUrls: ['https://pypi.example/simple'],
    });
    expect(() => spec({ requirements: [1] })).toThrow(TaskNotRunnableError);
  });

  it('hashes everything that shapes the venv, and only that', () => {
    expect(virtualenvHash(spec({ requirements: ['a'] }))).toBe(virtualenvHash(spec({ requirements: 'a' })));
    expect(virtualenvHash(spec({ requirements: ['a'] }))).not.toBe(virtualenvHash(spec({ requirements: ['b'] })));
    expect(virtualenvHash(spec({}))).not.toBe(virtualenvHash(spec({ system_site_packages: false })));
  });
});
