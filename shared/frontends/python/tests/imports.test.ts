/** Imports that resolve to nothing are the file's import error when it is read, as Airflow's ModuleNotFoundError. */
import { parsePythonDagFile } from '../index.js';
import { FILE, NOW, py } from './helpers.js';

const IMPORTABLE = ['json', 'os', 'requests', 'helpers', 'include'];

function read(source: string, importable: readonly string[] | null = IMPORTABLE) {
  const r = parsePythonDagFile(source, { file: FILE, now: NOW, ...(importable ? { importable } : {}) });
  return { dags: r.dags.map((d) => d.dag_id), errors: r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.col} ${d.message}`) };
}

const DAG_BODY = py`
  with DAG("d", start_date=datetime(2024, 1, 1), schedule=None) as dag:
      BashOperator(task_id="t", bash_command="true")
`;

describe('imports at parse time', () => {
  it('reports a module-level import of a module nobody provides at its line, and the file has no DAG', () => {
    const r = read(py`
      from datetime import datetime
      import requests
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      import pandas as pd
      from include.helpers import clean
      from snowflake.connector import connect
    ` + '\n' + DAG_BODY);
    expect(r.errors).toEqual(["5:8 ModuleNotFoundError: No module named 'pandas'", "7:1 ModuleNotFoundError: No module named 'snowflake'"]);
  });

  it('accepts Airflow, the standard modules skydag reads, listed modules, relative imports and guarded imports; task bodies are not imported', () => {
    const r = read(py`
      from __future__ import annotations
      import datetime as dt
      from datetime import datetime
      from airflow import DAG
      from airflow.decorators import task
      from airflow.operators.bash import BashOperator
      from airflow.providers.amazon.aws.hooks.s3 import S3Hook
      import helpers.util
      from . import sibling
      try:
          import ujson as fastjson
      except ImportError:
          import json as fastjson

      @task
      def work():
          import polars
          return polars.__version__
    ` + '\n' + DAG_BODY);
    expect(r.errors).toEqual([]);
    expect(r.dags).toEqual(['d']);
  });

  it('checks nothing when the importable modules are unknown', () => {
    expect(read(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      import pandas
    ` + '\n' + DAG_BODY, null).errors).toEqual([]);
  });
});
