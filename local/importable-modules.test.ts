import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { folderModules, importableModules, installedPythonModules, requirementModules } from './importable-modules.js';

describe('importable modules', () => {
  it("lists a folder's packages, namespace packages, .py files and extension modules", () => {
    const dir = mkdtempSync(join(tmpdir(), 'importable-'));
    mkdirSync(join(dir, 'pkg'));
    mkdirSync(join(dir, 'not-a-module'));
    writeFileSync(join(dir, 'helpers.py'), '');
    writeFileSync(join(dir, 'fast.cpython-311-x86_64-linux-gnu.so'), '');
    writeFileSync(join(dir, 'notes.txt'), '');
    expect(folderModules(dir).sort()).toEqual(['fast', 'helpers', 'pkg']);
    expect(folderModules(join(dir, 'missing'))).toEqual([]);
  });

  it("lists the installed Python's modules once, then from the cache while its folders are unchanged", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'importable-py-'));
    const count = join(dir, 'starts');
    const python = join(dir, 'python');
    writeFileSync(python, `#!/bin/sh\necho x >> ${count}\nexec python3 "$@"\n`);
    chmodSync(python, 0o755);
    const first = await installedPythonModules(python);
    expect(first).toEqual(expect.arrayContaining(['json', 'sys', 'pkgutil']));
    expect(await installedPythonModules(python)).toEqual(first);
    expect(readFileSync(count, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(await installedPythonModules(join(dir, 'no-such-python'))).toBeUndefined();
  });

  it("adds the DAGs, plugins and project folders' modules and the shim's", async () => {
    const project = mkdtempSync(join(tmpdir(), 'importable-project-'));
    mkdirSync(join(project, 'dags'));
    mkdirSync(join(project, 'plugins'));
    mkdirSync(join(project, 'include'));
    writeFileSync(join(project, 'dags', 'common.py'), '');
    writeFileSync(join(project, 'plugins', 'my_operators.py'), '');
    const names = await importableModules(join(project, 'dags'));
    expect(names).toEqual(expect.arrayContaining(['common', 'my_operators', 'include', 'airflow', 'json']));
  });

  it("counts the packages a requirements.txt of the DAGs or project folder declares (the deployment installs them)", async () => {
    expect(requirementModules('# tools\npandas==2.2.2\nscikit-learn>=1.4 ; python_version > "3.8"\ngoogle-cloud-storage\nPyYAML\n-r other.txt\n--index-url https://x\nMy.Package[extra]~=1.0  # note\n').sort()).toEqual(
      ['google', 'google_cloud', 'google_cloud_storage', 'my', 'my_package', 'pandas', 'scikit', 'scikit_learn', 'sklearn', 'pyyaml', 'yaml'].sort(),
    );
    // Distributions sharing a namespace package (llama-index-*: `llama_index.readers.notion`).
    expect(requirementModules('llama-index-readers-notion==0.1\n')).toEqual(expect.arrayContaining(['llama_index']));
    const project = mkdtempSync(join(tmpdir(), 'importable-requirements-'));
    mkdirSync(join(project, 'dags'));
    writeFileSync(join(project, 'requirements.txt'), 'definitely-not-installed-pkg==1\n');
    writeFileSync(join(project, 'dags', 'requirements.txt'), 'another_missing_pkg\n');
    const names = await importableModules(join(project, 'dags'));
    expect(names).toEqual(expect.arrayContaining(['definitely_not_installed_pkg', 'another_missing_pkg']));
    // What Airflow's image brings counts too; a typo does not.
    expect(names).toEqual(expect.arrayContaining(['pandas', 'fsspec', 'boto3']));
    expect(names).not.toContain('pnadas');
  });
});
