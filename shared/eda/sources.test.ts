/** Reports listed with their runs: a run without a report yet is listed too, newest first. */
import { mergeRunsIntoReports, type EdaReportInfo } from './sources.js';

describe('mergeRunsIntoReports', () => {
  const report = (level: 'L0' | 'L1', ts: string): EdaReportInfo => ({
    report_id: `${level}-${ts}`,
    level,
    ready: true,
    dag_id: `eda__c__${level}`,
    dag_run_id: `eda__${ts}`,
  });

  it("gives reports their runs' states and lists the runs that have not written a report", () => {
    const merged = mergeRunsIntoReports(
      [report('L0', '20240101T000000'), report('L1', '20240102T000000')],
      [
        { level: 'L0', dag_id: 'eda__c__L0', run_id: 'eda__20240101T000000', state: 'success' },
        { level: 'L0', dag_id: 'eda__c__L0', run_id: 'eda__20240103T000000', state: 'failed' },
        { level: 'L1', dag_id: 'eda__c__L1', run_id: 'manual__2024-01-04T00:00:00+00:00', state: 'success' },
      ],
    );
    expect(merged).toEqual([
      { report_id: 'L0-20240103T000000', level: 'L0', ready: false, dag_id: 'eda__c__L0', dag_run_id: 'eda__20240103T000000', state: 'failed' },
      // The run is gone (deleted): the report stays, with no state.
      { ...report('L1', '20240102T000000'), state: null },
      { ...report('L0', '20240101T000000'), state: 'success' },
    ]);
  });
});
