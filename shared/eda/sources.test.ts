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

  it("gives reports their runs' states and lists the runs that have not written a report, whoever triggered them", () => {
    const merged = mergeRunsIntoReports(
      [report('L0', '20240101T000000'), report('L1', '20240102T000000'), report('L0', '20240105T120000')],
      [
        { level: 'L0', dag_id: 'eda__c__L0', run_id: 'eda__20240101T000000', logical_date: '2024-01-01T00:00:00+00:00', state: 'success' },
        { level: 'L0', dag_id: 'eda__c__L0', run_id: 'eda__20240103T000000', logical_date: '2024-01-03T00:00:00+00:00', state: 'failed' },
        // Triggered by hand (DAG page, `skydag dags trigger`): its report is named by its logical date too.
        { level: 'L1', dag_id: 'eda__c__L1', run_id: 'manual__2024-01-04T00:00:00+00:00', logical_date: '2024-01-04T00:00:00+00:00', state: 'running' },
        { level: 'L0', dag_id: 'eda__c__L0', run_id: 'manual__2024-01-05T12:00:00.123456+00:00', logical_date: '2024-01-05T12:00:00.123456+00:00', state: 'success' },
      ],
    );
    expect(merged).toEqual([
      { ...report('L0', '20240105T120000'), dag_run_id: 'manual__2024-01-05T12:00:00.123456+00:00', state: 'success' },
      { report_id: 'L1-20240104T000000', level: 'L1', ready: false, dag_id: 'eda__c__L1', dag_run_id: 'manual__2024-01-04T00:00:00+00:00', state: 'running' },
      { report_id: 'L0-20240103T000000', level: 'L0', ready: false, dag_id: 'eda__c__L0', dag_run_id: 'eda__20240103T000000', state: 'failed' },
      // The run is gone (deleted): the report stays, with no state.
      { ...report('L1', '20240102T000000'), state: null },
      { ...report('L0', '20240101T000000'), state: 'success' },
    ]);
  });
});
