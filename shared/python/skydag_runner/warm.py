"""
``python3 -m skydag_runner.warm``: a warm worker that imports the runner and the airflow shim once
and forks a fresh process per task try (started by shared/runtime/executors/python-worker.ts).

A cold ``python3 -m skydag_runner`` spends most of a short task starting the interpreter and importing
the shim. The worker does that once and never runs task code itself: each try is a child forked from
it, so a try sees the modules as freshly imported (nothing one try sets, a module global or an
imported DAG module, reaches the next) and is its own process, as with a cold start:

- its own session and process group (``os.setsid``), so the orchestrator stops it and everything it
  started by signalling the group;
- stdout and stderr on one connection to the orchestrator's socket, fd 3 on another (the RPC channel,
  whose first line is the request: the worker itself never sees a request, its conf or its secrets),
  stdin on /dev/null, no other descriptor;
- its own working directory, its whole environment replaced by the one the orchestrator sent (as a
  spawn's ``env``), ``sys.path`` rebuilt from that environment's PYTHONPATH as the interpreter would.

Control protocol on the worker's stdin/stdout, newline-delimited JSON:
  orchestrator → worker ``{"id": 1, "socket": path, "token": hex, "cwd": dir, "env": {...}}``
  worker → orchestrator ``{"ready": true, "fork": bool}`` once, then ``{"id": 1, "pid": n}`` after each
  fork (or ``{"id": 1, "error": "..."}``) and ``{"id": 1, "exit": code, "signal": name}`` when it ends.
The worker exits when its stdin closes (the orchestrator went away).
"""
import errno
import json
import os
import select
import signal
import sys

# What every try imports: the runner, the shim's core and the operators most DAG files use.
PRELOAD = (
    "skydag_runner.__main__",
    "skydag_runner.run",
    "airflow",
    "airflow.models",
    "airflow.decorators",
    "airflow.operators.python",
    "airflow.operators.bash",
    "airflow.operators.empty",
    "airflow.utils.dates",
)
# Modules that read the environment when imported: a try imports them afresh with its own.
ENVIRONMENT_READERS = ("airflow.settings",)

_STARTUP_PATH = list(sys.path)
_STARTUP_PYTHONPATH = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]


def _write(fd, message):
    data = (json.dumps(message) + "\n").encode("utf-8")
    while data:
        data = data[os.write(fd, data):]


def _connect(path, hello):
    import socket

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    sock.sendall(hello.encode("ascii"))
    return sock.detach()


def _python_path(env, cwd):
    """sys.path as a fresh ``python3 -m`` in ``cwd`` with ``env``'s PYTHONPATH would start with."""
    site = [p for p in _STARTUP_PATH[1:] if p not in _STARTUP_PYTHONPATH]
    wanted = [os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    return [cwd] + wanted + site


def _become_try(order):
    """In the forked child: turn into the try's process (never returns)."""
    code = 1
    try:
        os.setsid()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        output = _connect(order["socket"], "out %s\n" % order["token"])
        channel = _connect(order["socket"], "rpc %s %d\n" % (order["token"], os.getpid()))
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.dup2(channel, 3)
        os.closerange(4, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 65536)
        os.chdir(order["cwd"])
        env = order["env"]
        os.environ.clear()
        os.environ.update(env)
        if hasattr(__import__("time"), "tzset"):
            __import__("time").tzset()
        sys.path[:] = _python_path(env, os.getcwd())
        sys.dont_write_bytecode = bool(env.get("PYTHONDONTWRITEBYTECODE"))
        for name in ENVIRONMENT_READERS:
            sys.modules.pop(name, None)
            parent, _, attr = name.rpartition(".")
            if parent in sys.modules and hasattr(sys.modules[parent], attr):
                delattr(sys.modules[parent], attr)
        import io

        # PYTHONUNBUFFERED / PYTHONIOENCODING as the environment says (the worker's stdio were its control pipes).
        unbuffered = bool(env.get("PYTHONUNBUFFERED"))
        encoding = (env.get("PYTHONIOENCODING") or "utf-8").split(":")[0] or "utf-8"
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding=encoding)
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding=encoding, line_buffering=True, write_through=unbuffered)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding=encoding, errors="backslashreplace", line_buffering=True, write_through=True)
        sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr
        sys.argv = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "__main__.py")]

        from skydag_runner import __main__ as runner
        from skydag_runner.rpc import RpcClient

        rpc = RpcClient(3)
        request = rpc.read()  # the request: first line on the channel
        code = runner.run_request(request, rpc)
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:
            pass
    except BaseException as err:  # never return into the worker's loop
        try:
            os.write(2, ("skydag runner: the warm worker could not start the try: %r\n" % (err,)).encode("utf-8", "replace"))
        except OSError:
            pass
        code = 1
    finally:
        os._exit(code or 0)


def _exit_status(status):
    if os.WIFSIGNALED(status):
        try:
            name = signal.Signals(os.WTERMSIG(status)).name
        except ValueError:
            name = "SIG%d" % os.WTERMSIG(status)
        return {"exit": None, "signal": name}
    return {"exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None, "signal": None}


def main():
    control_in, control_out = 0, 1
    # Nothing else may write on the control channel: stray prints of imported modules go to stderr.
    control_out = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    for name in PRELOAD:
        try:
            __import__(name)
        except Exception as err:  # a try imports it itself and reports the error there
            sys.stderr.write("skydag warm worker: could not preload %s: %s\n" % (name, err))
    can_fork = hasattr(os, "fork") and hasattr(os, "setsid")
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children = {}
    _write(control_out, {"ready": True, "fork": can_fork})
    buffer = b""
    while True:
        try:
            readable, _, _ = select.select([control_in, wake_r], [], [])
        except InterruptedError:
            continue
        if wake_r in readable:
            try:
                os.read(wake_r, 4096)
            except BlockingIOError:
                pass
            while children:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                order_id = children.pop(pid, None)
                if order_id is not None:
                    message = {"id": order_id}
                    message.update(_exit_status(status))
                    _write(control_out, message)
        if control_in in readable:
            chunk = os.read(control_in, 65536)
            if not chunk:
                return 0
            buffer += chunk
            while b"\n" in buffer:
                line, _, buffer = buffer.partition(b"\n")
                if not line.strip():
                    continue
                order = json.loads(line.decode("utf-8"))
                try:
                    pid = os.fork()
                except OSError as err:
                    _write(control_out, {"id": order["id"], "error": "fork failed: %s" % os.strerror(err.errno or errno.EAGAIN)})
                    continue
                if pid == 0:
                    buffer = b""  # the orchestrator sends the next order only after this fork's reply
                    _become_try(order)
                children[pid] = order["id"]
                _write(control_out, {"id": order["id"], "pid": pid})
                del order, line


if __name__ == "__main__":
    sys.exit(main())
