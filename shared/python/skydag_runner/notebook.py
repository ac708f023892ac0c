"""
``python3 -m skydag_runner.notebook``: runs a Jupyter notebook for CoutureJupyterOperator with
papermill-style parameters, using nbclient/nbformat (Debian: python3-nbclient python3-nbformat
python3-ipykernel; papermill itself is not needed).

Request (stdin, JSON): ``{input_path, output_path, parameters, kernel_name, cwd, export_html,
output_html_dir, timeout, execute}``; paths are absolute and already checked by the caller. The result
goes to fd 3 as ``{"op": "result", ...}``.

Parameters: a code cell tagged ``injected-parameters`` is inserted after the cell tagged
``parameters`` (or first, when there is none); a previous injected cell is replaced. The output
notebook is written even when a cell fails (as papermill does), then the task fails.
"""
import json
import os
import signal
import sys
import uuid

from skydag_runner.rpc import RpcClient

INSTALL_HINT = "apt-get install -y --no-install-recommends python3-nbclient python3-nbformat python3-ipykernel"


def _escaped_str(value):
    text = value.encode("unicode_escape").decode("utf-8").replace('"', r'\"')
    return '"%s"' % text


def translate(value):
    """A Python literal for a JSON value (papermill's PythonTranslator)."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _escaped_str(value)
    if isinstance(value, list):
        return "[" + ", ".join(translate(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join("%s: %s" % (translate(str(k)), translate(v)) for k, v in value.items()) + "}"
    return repr(value)


def parameters_source(parameters):
    lines = ["# Parameters"]
    for name, value in parameters.items():
        lines.append("%s = %s" % (name, translate(value)))
    return "\n".join(lines) + "\n"


def _tags(cell):
    return list((cell.get("metadata") or {}).get("tags") or [])


def inject_parameters(nb, parameters):
    """Inserts the injected-parameters cell into a notebook given as a plain dict; returns its index."""
    cells = [c for c in nb.get("cells", []) if "injected-parameters" not in _tags(c)]
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": ["injected-parameters"]},
        "outputs": [],
        "source": parameters_source(parameters),
    }
    if nb.get("nbformat", 4) >= 4 and nb.get("nbformat_minor", 0) >= 5:
        cell["id"] = uuid.uuid4().hex[:8]
    index = 0
    for i, c in enumerate(cells):
        if "parameters" in _tags(c):
            index = i + 1
            break
    cells.insert(index, cell)
    nb["cells"] = cells
    return index


def _result(rpc, **fields):
    rpc.send("result", **fields)


def _print_outputs(cell, index):
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            text = output.get("text", "")
            sys.stdout.write(text if isinstance(text, str) else "".join(text))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {}).get("text/plain")
            if data:
                sys.stdout.write((data if isinstance(data, str) else "".join(data)) + "\n")
        elif kind == "error":
            sys.stdout.write("%s: %s\n" % (output.get("ename"), output.get("evalue")))
    sys.stdout.flush()


def run(request, rpc):
    input_path = request["input_path"]
    output_path = request.get("output_path") or input_path
    parameters = request.get("parameters") or {}
    with open(input_path, encoding="utf-8") as f:
        nb_dict = json.load(f)
    language = ((nb_dict.get("metadata") or {}).get("kernelspec") or {}).get("language")
    if parameters and language and language.lower() != "python":
        return {"status": "not_runnable", "retryable": False,
                "message": "parameters can only be injected into Python notebooks (this one is %s)" % language}
    index = inject_parameters(nb_dict, parameters)
    print("Injected parameters as cell %d: %s" % (index, ", ".join(sorted(parameters)) or "(none)"))
    if not request.get("execute", True):
        _write_json(nb_dict, output_path)
        return {"status": "success", "output_path": output_path}
    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
    except ImportError as err:
        return {"status": "not_runnable", "retryable": False,
                "message": "the notebook stack is not installed for %s (%s); install it with: %s"
                % (sys.executable, err, INSTALL_HINT)}
    nb = nbformat.from_dict(nb_dict)
    kernel = request.get("kernel_name") or ((nb_dict.get("metadata") or {}).get("kernelspec") or {}).get("name") or "python3"
    cwd = request.get("cwd") or os.path.dirname(input_path)
    client = NotebookClient(nb, timeout=request.get("timeout"), kernel_name=kernel,
                            resources={"metadata": {"path": cwd}})
    if hasattr(client, "on_cell_executed"):
        client.on_cell_executed = lambda cell, cell_index, execute_reply=None, **kw: _print_outputs(cell, cell_index)
    failure = None
    try:
        client.execute()
    except CellExecutionError as err:
        failure = err
    finally:
        nbformat.write(nb, output_path)
        print("Output notebook written to %s" % output_path)
    result = {"status": "success", "output_path": output_path}
    if request.get("export_html"):
        html_dir = request.get("output_html_dir")
        try:
            from nbconvert import HTMLExporter

            body, resources = HTMLExporter().from_notebook_node(nb)
            os.makedirs(html_dir, exist_ok=True)
            with open(os.path.join(html_dir, "index.html"), "w", encoding="utf-8") as f:
                f.write(body)
            for name, data in (resources.get("outputs") or {}).items():
                with open(os.path.join(html_dir, name), "wb") as f:
                    f.write(data)
            result["html_path"] = os.path.join(html_dir, "index.html")
            print("HTML report written to %s" % result["html_path"])
        except ImportError:
            # Asked for a report and given none would be a silent wrong result: the try fails, saying why.
            return {"status": "failed", "retryable": False, "error_type": "ExportHtmlUnavailable",
                    "message": "export_html needs nbconvert, which is not installed for %s (Debian: apt-get install python3-nbconvert)" % sys.executable,
                    "output_path": output_path}
    if failure is not None:
        text = str(failure)
        return {"status": "failed", "retryable": True, "error_type": "CellExecutionError",
                "message": text.strip().splitlines()[-1] if text.strip() else "a notebook cell failed",
                "output_path": output_path}
    return result


def _write_json(nb, path):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)


def main():
    try:
        os.dup2(1, 2)
    except OSError:
        pass
    rpc = RpcClient(int(os.environ.get("SKYDAG_RPC_FD", "3")))

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt("Task received SIGTERM signal")

    signal.signal(signal.SIGTERM, on_sigterm)
    # Kernels must not see skydag's airflow shim.
    shim = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and os.path.abspath(p) != shim]
    os.environ["PYTHONPATH"] = os.pathsep.join(parts)
    try:
        request = json.loads(sys.stdin.read())
        result = run(request, rpc)
    except Exception as err:
        import traceback

        traceback.print_exc()
        result = {"status": "failed", "retryable": True, "error_type": type(err).__name__, "message": str(err)}
    _result(rpc, **result)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)
