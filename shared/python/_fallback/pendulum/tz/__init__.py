"""pendulum.tz of the stand-in: ``timezone(name)``, ``UTC`` and the ``Timezone`` class."""
# The submodule first: the function defined below then shadows it as ``pendulum.tz.timezone``, as in pendulum.
from pendulum.tz.timezone import Timezone  # noqa: F401
from pendulum import UTC  # noqa: F401


def timezone(name):
    from pendulum import timezone as _timezone

    return _timezone(name)
