/** The shim's airflow.macros as task code calls them (a real python3 with the shim on its path). */
import { spawnSync } from 'node:child_process';
import { PYTHON_SHIM_DIR } from './python.js';

const PYTHON = process.env.SKYDAG_PYTHON || 'python3';

function python(code: string): { out: string; err: string; status: number | null } {
  const res = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: PYTHON_SHIM_DIR, PYTHONDONTWRITEBYTECODE: '1' } });
  return { out: res.stdout.trim(), err: res.stderr, status: res.status };
}

it('ds_format_locale formats Babel (CLDR) patterns, not strftime (Airflow 2.10 docstring examples)', () => {
  const { out, status } = python(
    [
      'from airflow.macros import ds_format_locale as f',
      "print(f('2015-01-01', '%Y-%m-%d', 'MM-dd-yy'))",
      "print(f('1/5/2015', '%m/%d/%Y', 'yyyy-MM-dd'))",
      "print(f('12/07/2024', '%d/%m/%Y', 'EEEE dd MMMM yyyy', 'en_US'))",
      "print(f('2019-01-03 14:05:09', '%Y-%m-%d %H:%M:%S', \"h:mm a 'o''clock' D EEE MMM\"))",
      "print(f('2019-01-03', '%Y-%m-%d', 'dd.MM.yyyy', 'de_DE'))",
    ].join('\n'),
  );
  expect(status).toBe(0);
  expect(out.split('\n')).toEqual(['01-01-15', '2015-01-05', 'Friday 12 July 2024', "2:05 PM o'clock 3 Thu Jan", '03.01.2019']);
});

it("ds_format_locale refuses what it cannot format as Babel would: another locale's names, an unknown pattern letter", () => {
  const names = python("from airflow.macros import ds_format_locale as f\nf('2019-01-03', '%Y-%m-%d', 'MMMM', 'fr_FR')");
  expect(names.status).not.toBe(0);
  expect(names.err).toMatch(/NotImplementedError: ds_format_locale: names \(pattern letter 'M'\) in a locale other than English/);
  const letter = python("from airflow.macros import ds_format_locale as f\nf('2019-01-03', '%Y-%m-%d', 'yyyy QQ')");
  expect(letter.err).toMatch(/ValueError: ds_format_locale: the pattern letter 'Q' is not supported/);
});
