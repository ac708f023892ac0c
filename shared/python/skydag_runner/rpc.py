"""Newline-delimited JSON over a file descriptor (fd 3, a socketpair set up by the orchestrator)."""
import json
import os
import threading


class RpcError(RuntimeError):
    """The orchestrator answered a request with an error."""


class RpcClient:
    def __init__(self, fd=3):
        self.fd = fd
        self._buffer = b""
        self._lock = threading.Lock()
        self._next_id = 1
        try:
            os.fstat(fd)
            self.available = True
        except OSError:
            self.available = False

    def _write(self, message):
        data = (json.dumps(message, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]

    def _read_line(self):
        while b"\n" not in self._buffer:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                raise RpcError("the orchestrator closed the channel")
            self._buffer += chunk
        line, _, rest = self._buffer.partition(b"\n")
        self._buffer = rest
        return json.loads(line.decode("utf-8"))

    def read(self):
        """One message the orchestrator sent unasked (a warm worker's try reads its request so)."""
        with self._lock:
            return self._read_line()

    def call(self, op, **params):
        if not self.available:
            raise RpcError("no orchestrator channel on fd %d (is this process run by skydag?)" % self.fd)
        with self._lock:
            request_id = self._next_id
            self._next_id += 1
            message = {"id": request_id, "op": op}
            message.update(params)
            self._write(message)
            while True:
                reply = self._read_line()
                if reply.get("id") != request_id:
                    continue
                if reply.get("ok"):
                    return reply.get("value")
                raise RpcError("%s failed: %s" % (op, reply.get("error") or "unknown error"))

    def send(self, op, **params):
        """A one-way message (the final result)."""
        if not self.available:
            return
        with self._lock:
            message = {"op": op}
            message.update(params)
            self._write(message)
