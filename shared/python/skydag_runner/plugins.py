"""
The plugins folder's AirflowPlugin classes, found as Airflow finds them: every ``.py`` file under the
folder is imported (as a module named after its file) and each AirflowPlugin subclass it defines is a
plugin. A plugin's ``macros`` are ``macros.<plugin name>`` in templates: a module of those functions
by their ``__name__``.
"""
import importlib.util
import inspect
import logging
import os
import sys
import types

from airflow.plugins_manager import AirflowPlugin

log = logging.getLogger("skydag.runner")

_loaded = {}


def plugins_folder(request):
    """The request's plugins folder, else what the platform uses (SKYDAG_PLUGINS_FOLDER, else beside the DAGs folder)."""
    folder = request.get("plugins_folder") or os.environ.get("SKYDAG_PLUGINS_FOLDER")
    return folder or os.path.join(os.path.dirname(request.get("dags_folder") or os.getcwd()), "plugins")


def load_plugins(folder):
    """The plugins defined under ``folder`` (each file imported once per process)."""
    if folder in _loaded:
        return _loaded[folder]
    plugins = []
    for root, dirs, files in os.walk(folder) if os.path.isdir(folder) else []:
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        for file in sorted(files):
            if not file.endswith(".py") or file.startswith("."):
                continue
            path = os.path.join(root, file)
            name = os.path.splitext(file)[0]
            added = False
            try:
                spec = importlib.util.spec_from_file_location(name, path)
                module = importlib.util.module_from_spec(spec)
                added = sys.modules.setdefault(name, module) is module
                spec.loader.exec_module(module)
            except Exception:
                # A plugin that failed to import leaves no half-made module behind (as importlib does).
                if added:
                    sys.modules.pop(name, None)
                log.exception("Failed to import plugin %s", path)
                continue
            for value in vars(module).values():
                if inspect.isclass(value) and issubclass(value, AirflowPlugin) and value is not AirflowPlugin and value.__module__ == module.__name__:
                    value.validate()
                    plugins.append(value)
    _loaded[folder] = plugins
    return plugins


def macros_module(name, folder):
    """``macros.<name>``: the module of the macros of the plugin called ``name``."""
    for plugin in load_plugins(folder):
        if plugin.name == name and plugin.macros:
            module = types.ModuleType("airflow.macros.%s" % name)
            module.__dict__.update((m.__name__, m) for m in plugin.macros)
            return module
    raise AttributeError("module 'airflow.macros' has no attribute %r (no plugin named %r with macros in %s)" % (name, name, folder))
