"""Connection: read through skydag's orchestrator (``BaseHook.get_connection``)."""
import json
from urllib.parse import quote, urlencode

from airflow import _skydag
from airflow.exceptions import AirflowNotFoundException


class Connection:
    def __init__(self, conn_id=None, conn_type=None, description=None, host=None, login=None, password=None,
                 schema=None, port=None, extra=None, uri=None):
        self.conn_id = conn_id
        self.conn_type = conn_type
        self.description = description
        self.host = host
        self.login = login
        self.password = password
        self.schema = schema
        self.port = port
        if isinstance(extra, dict):
            extra = json.dumps(extra)
        self.extra = extra

    @property
    def extra_dejson(self):
        if not self.extra:
            return {}
        try:
            value = json.loads(self.extra)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def get_uri(self):
        scheme = (self.conn_type or "").replace("_", "-")
        auth = ""
        if self.login is not None:
            auth = quote(self.login, safe="")
            if self.password is not None:
                auth += ":" + quote(self.password, safe="")
            auth += "@"
        host = self.host or ""
        if self.port:
            host += ":%d" % self.port
        uri = "%s://%s%s" % (scheme, auth, host)
        if self.schema:
            uri += "/" + quote(self.schema, safe="")
        if self.extra_dejson:
            uri += "?" + urlencode(self.extra_dejson)
        return uri

    def get_password(self):
        return self.password

    def get_extra(self):
        return self.extra

    def get_hook(self, *args, **kwargs):
        from airflow.exceptions import SkydagShimError

        raise SkydagShimError("Connection.get_hook() is not available in skydag's airflow shim")

    @classmethod
    def get_connection_from_secrets(cls, conn_id):
        data = _skydag.call("connection_get", conn_id=conn_id)
        if data is None:
            raise AirflowNotFoundException("The conn_id `%s` isn't defined" % conn_id)
        return cls(
            conn_id=data.get("conn_id", conn_id),
            conn_type=data.get("conn_type"),
            host=data.get("host"),
            login=data.get("login"),
            password=data.get("password"),
            schema=data.get("schema"),
            port=data.get("port"),
            extra=data.get("extra") or None,
            description=data.get("description"),
        )

    def __repr__(self):
        return self.conn_id or ""
