import type { S3Event } from 'aws-lambda';
import type { DagDeployer } from '../shared/deploy/dag-deployer.js';
import { createDeployerHandler, dagFileEvents } from './deployer.js';

const record = (eventName: string, key: string, bucket = 'dags-bucket') => ({ eventName, s3: { bucket: { name: bucket }, object: { key } } });
const event = (...records: ReturnType<typeof record>[]) => ({ Records: records }) as unknown as S3Event;

describe('deployer entry', () => {
  it('turns S3 records into written/deleted events with decoded keys', () => {
    expect(dagFileEvents(event(record('ObjectCreated:Put', 'dags/my+dag%C3%A9.py'), record('ObjectRemoved:DeleteMarkerCreated', 'dags/old.py')), 'dags-bucket')).toEqual([
      { kind: 'written', key: 'dags/my dagé.py' },
      { kind: 'deleted', key: 'dags/old.py' },
    ]);
  });

  it("refuses another bucket's records and unknown event kinds", () => {
    expect(() => dagFileEvents(event(record('ObjectCreated:Put', 'dags/a.py', 'other')), 'dags-bucket')).toThrow("event for bucket 'other'");
    expect(() => dagFileEvents(event(record('ObjectRestore:Completed', 'dags/a.py')))).toThrow("unexpected S3 event 'ObjectRestore:Completed'");
  });

  it('hands the events of one delivery to the deployer at once', async () => {
    const handle = jest.fn().mockResolvedValue({ registered: ['a'], updated: [], unchanged: [], deactivated: [], importErrors: [], deployed: ['a'] });
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const handler = createDeployerHandler(async () => ({ handle }) as unknown as DagDeployer);
    await handler(event(record('ObjectCreated:Put', 'dags/a.py')), {} as never);
    expect(handle).toHaveBeenCalledWith([{ kind: 'written', key: 'dags/a.py' }]);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('"deployed":["a"]'));
    log.mockRestore();
  });
});
