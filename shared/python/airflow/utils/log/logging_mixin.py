import logging


class LoggingMixin:
    _log = None

    @property
    def log(self):
        if self._log is None:
            self._log = logging.getLogger(self.__class__.__module__ + "." + self.__class__.__name__)
        return self._log
