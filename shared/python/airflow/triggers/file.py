"""``airflow.triggers.file.FileTrigger``: fires once a file matching a path or glob exists."""
import asyncio
import datetime
import os
from glob import glob

from airflow.triggers.base import BaseTrigger, TriggerEvent


class FileTrigger(BaseTrigger):
    def __init__(self, filepath, recursive=False, poke_interval=5.0, **kwargs):
        super().__init__()
        self.filepath = filepath
        self.recursive = recursive
        self.poke_interval = kwargs.get("poll_interval", poke_interval)

    def serialize(self):
        return ("airflow.triggers.file.FileTrigger", {"filepath": self.filepath, "recursive": self.recursive, "poke_interval": self.poke_interval})

    async def run(self):
        while True:
            for path in glob(self.filepath, recursive=self.recursive):
                if os.path.isfile(path):
                    mod_time = datetime.datetime.fromtimestamp(os.path.getmtime(path)).strftime("%Y%m%d%H%M%S")
                    self.log.info("Found File %s last modified: %s", path, mod_time)
                    yield TriggerEvent(True)
                    return
                for _, _, files in os.walk(path):
                    if files:
                        yield TriggerEvent(True)
                        return
            await asyncio.sleep(self.poke_interval)


__all__ = ["FileTrigger"]
