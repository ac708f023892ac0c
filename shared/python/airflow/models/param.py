"""Param and ParamsDict: DAG/task params (values are resolved by skydag before the task runs)."""

_NOTSET = object()


class Param:
    def __init__(self, default=_NOTSET, description=None, **schema):
        self.value = None if default is _NOTSET else default
        self.description = description
        self.schema = schema

    def resolve(self, value=_NOTSET, suppress_exception=False):
        return self.value if value is _NOTSET else value

    def dump(self):
        return {"value": self.value, "description": self.description, "schema": self.schema}

    def __repr__(self):
        return "Param(%r)" % (self.value,)


class ParamsDict(dict):
    """A dict of params; reading a key gives the plain value, and ``params.key`` works too."""

    def __init__(self, dict_obj=None, suppress_exception=False):
        super().__init__()
        for k, v in (dict_obj or {}).items():
            self[k] = v

    def __getitem__(self, key):
        value = dict.__getitem__(self, key)
        return value.value if isinstance(value, Param) else value

    def get(self, key, default=None):
        return self[key] if key in self else default

    def get_param(self, key):
        return dict.__getitem__(self, key)

    def __getattr__(self, key):
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key)

    def items(self):
        return [(k, self[k]) for k in self.keys()]

    def values(self):
        return [self[k] for k in self.keys()]

    def validate(self):
        return dict(self.items())

    def dump(self):
        return dict(self.items())

    def __deepcopy__(self, memo):
        import copy

        return ParamsDict({k: copy.deepcopy(dict.__getitem__(self, k), memo) for k in self.keys()})

    def __copy__(self):
        return ParamsDict({k: dict.__getitem__(self, k) for k in self.keys()})

    def copy(self):
        return self.__copy__()
