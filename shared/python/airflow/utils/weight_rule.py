from enum import Enum


class WeightRule(str, Enum):
    DOWNSTREAM = "downstream"
    UPSTREAM = "upstream"
    ABSOLUTE = "absolute"

    def __str__(self):
        return self.value
