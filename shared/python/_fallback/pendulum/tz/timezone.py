"""pendulum.tz.timezone of the stand-in: ``Timezone("Asia/Seoul")`` is a zone, as pendulum 3's (a ZoneInfo)."""
import zoneinfo as _zoneinfo


class Timezone(_zoneinfo.ZoneInfo):
    """A named IANA zone (pendulum 3's Timezone subclasses zoneinfo.ZoneInfo)."""

    @property
    def name(self):
        return self.key
