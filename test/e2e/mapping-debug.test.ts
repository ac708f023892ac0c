import { e2eRuntime, runDag, TempDirs } from './support.js';
const temp = new TempDirs();
it('dbg', async () => {
  const runtime = e2eRuntime(temp);
  const { run } = await runDag(runtime, 'e2e_mapping_failure');
  const tis = await runtime.store.listMappedTaskInstances(run.dag_id, run.run_id, 'check');
  console.log(JSON.stringify(tis.map(t=>[t.map_index,t.state,t.try_number])));
  for (const i of [0,1]) console.log(await runtime.logs.read(run.dag_id, run.run_id, 'check', 1, i));
  console.log(await runtime.logs.read(run.dag_id, run.run_id, 'sum_it', 1));
  runtime.close();
  temp.cleanup();
});
