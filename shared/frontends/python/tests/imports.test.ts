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

  describe('an import that fails inside try runs the except clause that catches it, as Python does', () => {
    const dagsOf = (source: string, importable: readonly string[] | null = IMPORTABLE) => read(py`
      import logging
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.bash import BashOperator
    ` + '\n' + source, importable);

    it('binds the fallback, skips the else clause, runs finally, and binds the exception', () => {
      const r = dagsOf(py`
        try:
            from kubernetes.client import models as k8s
            FOUND = "yes"
        except ImportError as err:
            k8s = None
            FOUND = err.args[0]
        else:
            FOUND = "else"
        finally:
            SUFFIX = "_f"

        if k8s:
            with DAG("with_k8s", start_date=datetime(2024, 1, 1), schedule=None):
                BashOperator(task_id="t", bash_command="true")
        else:
            with DAG("no_k8s" + SUFFIX, start_date=datetime(2024, 1, 1), schedule=None, tags=[FOUND]):
                BashOperator(task_id="t", bash_command="true")
      `);
      expect(r).toEqual({ dags: ['no_k8s_f'], errors: [] });
    });

    it('goes to an enclosing try when no clause of the inner one catches it, through functions', () => {
      const r = dagsOf(py`
        def load():
            import nosuch.module
            return "loaded"

        try:
            try:
                NAME = load()
            except (KeyError, ValueError):
                NAME = "wrong"
        except (OSError, ModuleNotFoundError):
            NAME = "outer"
        with DAG("d_" + NAME, start_date=datetime(2024, 1, 1), schedule=None):
            BashOperator(task_id="t", bash_command="true")
      `);
      expect(r).toEqual({ dags: ['d_outer'], errors: [] });
    });

    it('is the file\'s import error when no clause catches it', () => {
      const r = dagsOf(py`
        try:
            import nosuch
        except KeyError:
            pass
      `);
      expect(r.errors).toEqual(["7:12 ModuleNotFoundError: No module named 'nosuch'"]);
    });

    it('runs the body when the module is importable, and an imported module, class or function is true', () => {
      const r = dagsOf(py`
        try:
            from requests import adapters as ad
        except ImportError:
            ad = None
        if ad and ad is not None and not (not ad):
            with DAG("have", start_date=datetime(2024, 1, 1), schedule=None):
                BashOperator(task_id="t", bash_command="true")
      `);
      expect(r).toEqual({ dags: ['have'], errors: [] });
    });

    it('keeps an imported UPPER_CASE name unknown (it may be a falsy constant)', () => {
      const r = dagsOf(py`
        from requests import DEBUG
        if DEBUG:
            with DAG("dbg", start_date=datetime(2024, 1, 1), schedule=None):
                BashOperator(task_id="t", bash_command="true")
      `);
      expect(r.errors).toEqual([expect.stringContaining('the if condition must be known when the DAG file is read, but it depends on requests.DEBUG')]);
    });

    it('cannot know which module is missing when imports are not checked: the body runs', () => {
      const r = dagsOf(py`
        try:
            from kubernetes.client import models as k8s
        except ImportError:
            k8s = None
        if k8s:
            with DAG("with_k8s", start_date=datetime(2024, 1, 1), schedule=None):
                BashOperator(task_id="t", bash_command="true")
      `, null);
      expect(r).toEqual({ dags: ['with_k8s'], errors: [] });
    });
  });

  it('accepts any object as executor_config (the Kubernetes executor\'s pod_override is not used by skydag)', () => {
    const r = parsePythonDagFile(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.decorators import task
      from kubernetes.client import models as k8s

      with DAG("d", start_date=datetime(2024, 1, 1), schedule=None):
          @task(executor_config={"pod_override": k8s.V1Pod(metadata=k8s.V1ObjectMeta(annotations={"a": "b"}))})
          def start():
              return 1
          start()
    `, { file: FILE, now: NOW });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.dags[0]!.tasks[0]!.executor_config).toEqual({ pod_override: '<kubernetes.client.models.V1Pod(...)>' });
  });
});

describe('shutil.which at parse time', () => {
  const source = py`
    import shutil
    from datetime import datetime
    from airflow import DAG
    from airflow.operators.bash import BashOperator

    if not shutil.which("virtualenv"):
        pass
    else:
        with DAG("venv_" + shutil.which("virtualenv").replace("/", "_"), start_date=datetime(2024, 1, 1), schedule=None):
            BashOperator(task_id="t", bash_command="true")
  `;
  const dagsWith = (executables?: Record<string, string | null>) => {
    const r = parsePythonDagFile(source, { file: FILE, now: NOW, ...(executables ? { executables } : {}) });
    return { dags: r.dags.map((d) => d.dag_id), errors: r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message) };
  };

  it('is the path the platform found, or None', () => {
    expect(dagsWith({ virtualenv: '/usr/bin/virtualenv' })).toEqual({ dags: ['venv__usr_bin_virtualenv'], errors: [] });
    expect(dagsWith({ virtualenv: null })).toEqual({ dags: [], errors: [] });
  });

  it('stays unknown for a command the platform did not look up', () => {
    expect(dagsWith({}).errors).toEqual([expect.stringContaining('depends on shutil.which("virtualenv")')]);
    expect(dagsWith().errors).toHaveLength(1);
  });
});

it("sys.path is each file's own: what one file appends is not seen by the next file read", () => {
  const source = py`
    import sys
    from datetime import datetime
    from airflow import DAG
    from airflow.operators.empty import EmptyOperator
    sys.path.append("/opt/helpers")
    from sys import path
    with DAG("d", start_date=datetime(2024, 1, 1), schedule=None, tags=[str(len(sys.path)), path[0]]):
        EmptyOperator(task_id="t")
  `;
  for (let i = 0; i < 3; i++) expect(parsePythonDagFile(source, { file: FILE, now: NOW }).dags[0]!.tags).toEqual(['1', '/opt/helpers']);
});
