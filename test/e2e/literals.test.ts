/**
 * literal() end to end (test/fixtures/e2e/literals.py): wrapped values of templated fields are used
 * as they are (no Jinja, no template file), by skydag's renderer and by a custom operator's own.
 */
import { runDag, statesAndTries, useE2eRuntime } from './support.js';

const e2e = useE2eRuntime();

describe('literal() (e2e_literals)', () => {
  it('keeps wrapped values unrendered, renders the rest of the field', async () => {
    const logicalDate = new Date('2024-03-05T00:00:00Z');
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_literals', { logicalDate });
    expect(statesAndTries(tasks)).toEqual({ braces: ['success', 1], script: ['success', 1], args: ['success', 1], greet: ['success', 1] });
    expect(tasks.braces!.xcom.return_value).toBe('{{ ds }}');
    expect(tasks.script!.xcom.return_value).toBe('scripts/e2e_report.sh');
    expect(tasks.args!.xcom.return_value).toEqual({ raw: '{{ ds }}', rendered: '2024-03-05', nested: { a: ['{{ run_id }}', '20240305'] } });
    expect(tasks.greet!.xcom.return_value).toEqual({ greeting: 'hello {{ name }}', when: '{{ never }}' });
    // The rendered fields show what the task got.
    const ti = await e2e.runtime.store.getTaskInstance(run.dag_id, run.run_id, 'braces');
    expect(ti?.rendered_fields?.bash_command).toBe("echo '{{ ds }}'");
    expect(run.state).toBe('success');
  });
});
