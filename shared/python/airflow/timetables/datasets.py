"""``DatasetOrTimeSchedule``: runs on a timetable and whenever its datasets are updated (skydag's scheduler does both)."""
from airflow.datasets import BaseDataset, DatasetAll


class DatasetOrTimeSchedule:
    def __init__(self, *, timetable, datasets):
        self.timetable = timetable
        self.datasets = datasets if isinstance(datasets, BaseDataset) else DatasetAll(*datasets)

    @property
    def summary(self):
        return "Dataset or %s" % getattr(self.timetable, "summary", self.timetable)
