"""``python3 -m skydag_runner``: one request on stdin, RPC and the result on fd 3."""
import json
import logging
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHIM_DIR = os.path.dirname(HERE)
FALLBACK_DIR = os.path.join(SHIM_DIR, "_fallback")


def _setup_paths(dags_folder):
    """The shim first (it owns ``airflow``), then the DAGs folder; stand-ins for optional packages last."""
    for p in (SHIM_DIR, dags_folder):
        while p in sys.path:
            sys.path.remove(p)
    if "" in sys.path:
        sys.path.remove("")
    sys.path.insert(0, SHIM_DIR)
    if dags_folder:
        sys.path.insert(1, dags_folder)
    if FALLBACK_DIR not in sys.path:
        sys.path.append(FALLBACK_DIR)


def _setup_logging():
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(asctime)s] {%(filename)s:%(lineno)d} %(levelname)s - %(message)s"))
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def main(argv):
    if len(argv) >= 3 and argv[0] == "--inventory":
        dags_folder = os.path.abspath(argv[1])
        _setup_paths(dags_folder)
        os.chdir(dags_folder)
        from skydag_runner.inventory import main as inventory_main

        return inventory_main([os.path.abspath(p) for p in argv[2:]])
    if sys.version_info < (3, 8):
        sys.stderr.write("skydag's Python runner needs Python 3.8 or newer (this is %s)\n" % sys.version.split()[0])
        return 3
    # Task output: stdout and stderr share one pipe, so the log keeps their order.
    try:
        os.dup2(1, 2)
    except OSError:
        pass
    raw = sys.stdin.read()
    try:
        request = json.loads(raw)
    except ValueError as err:
        sys.stderr.write("skydag runner: invalid request JSON: %s\n" % err)
        return 2
    from skydag_runner.rpc import RpcClient

    return run_request(request, RpcClient(int(os.environ.get("SKYDAG_RPC_FD", "3"))))


def run_request(request, rpc):
    """Runs one request to its result, sent on ``rpc`` (a cold process's main, and a warm worker's forked try)."""
    dags_folder = request.get("dags_folder") or os.getcwd()
    _setup_paths(dags_folder)
    os.environ.setdefault("SKYDAG_DAGS_FOLDER", dags_folder)
    _setup_logging()

    from airflow import _skydag
    from skydag_runner.run import Runner

    _skydag.rpc = rpc
    result = Runner(request, rpc).run()
    try:
        rpc.send("result", **result)
    except (TypeError, ValueError) as err:
        rpc.send("result", status="failed", retryable=True, error_type="TypeError",
                 message="the task's result could not be sent as JSON: %s" % err)
    sys.stdout.flush()
    sys.stderr.flush()
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code or 0)
