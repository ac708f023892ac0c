/**
 * dag-factory's dynamic task mapping end to end (test/fixtures/e2e/e2e_yaml_mapping.yaml): `expand`
 * over another task's output (`numbers.output`) and over a literal list with `partial` arguments;
 * the callables are named by dotted path to a module beside the YAML file, which the DAG version's
 * bundle carries.
 */
import { runDag, statesAndTries, useE2eRuntime } from './support.js';

const e2e = useE2eRuntime();

it('maps a TaskFlow task over an upstream output and a classic operator over a list, then reduces', async () => {
  const { run, tasks } = await runDag(e2e.runtime, 'e2e_yaml_mapping');
  expect(run.state).toBe('success');
  expect(statesAndTries(tasks)).toEqual({ numbers: ['success', 1], double: ['success', 1], greet: ['success', 1], total: ['success', 1] });
  expect(tasks.total!.xcom.return_value).toBe(12);
  const indexes = async (taskId: string) => (await e2e.runtime.store.listMappedTaskInstances(run.dag_id, run.run_id, taskId)).map((ti) => [ti.map_index, ti.state]).sort();
  expect(await indexes('greet')).toEqual([[0, 'success'], [1, 'success']]);
  expect(await indexes('double')).toEqual([[0, 'success'], [1, 'success'], [2, 'success']]);
});
