"""BashOperator (skydag runs bash tasks with its own executor; this one serves subclasses)."""
import os
import subprocess

from airflow.exceptions import AirflowException, AirflowSkipException
from airflow.models.baseoperator import BaseOperator


class BashOperator(BaseOperator):
    template_fields = ("bash_command", "env", "cwd")
    template_ext = (".sh", ".bash")
    ui_color = "#f0ede4"

    def __init__(self, bash_command=None, env=None, append_env=False, output_encoding="utf-8",
                 skip_exit_code=None, skip_on_exit_code=99, cwd=None, xcom_push=None, **kwargs):
        super().__init__(**kwargs)
        self.bash_command = bash_command
        self.env = env
        self.append_env = append_env
        self.output_encoding = output_encoding
        if skip_exit_code is not None:
            skip_on_exit_code = skip_exit_code
        if skip_on_exit_code is None:
            skip_on_exit_code = []
        elif isinstance(skip_on_exit_code, int):
            skip_on_exit_code = [skip_on_exit_code]
        self.skip_on_exit_code = list(skip_on_exit_code)
        self.cwd = cwd
        if xcom_push is not None:
            self.do_xcom_push = xcom_push

    def execute(self, context):
        env = dict(os.environ) if self.env is None or self.append_env else {}
        env.update(self.env or {})
        proc = subprocess.Popen(["bash", "-c", self.bash_command], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, cwd=self.cwd, env=env)
        last = ""
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode(self.output_encoding, errors="backslashreplace").rstrip("\n")
            print(line, flush=True)
            last = line
        code = proc.wait()
        if code in self.skip_on_exit_code:
            raise AirflowSkipException("Bash command returned exit code %d. Skipping." % code)
        if code != 0:
            raise AirflowException("Bash command failed. The command returned a non-zero exit code %d." % code)
        return last

    def on_kill(self):
        pass
