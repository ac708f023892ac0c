"""
AwsBaseHook / AwsGenericHook (apache-airflow-providers-amazon 8.x) over boto3, when it is installed
in the task's Python. The connection (type ``aws``) gives the credentials as Airflow's does: login =
access key id, password = secret access key, extra ``aws_session_token``, ``region_name``,
``endpoint_url`` (or ``service_config: {<service>: {endpoint_url}}``), ``config_kwargs`` (botocore
Config), ``verify``. Without the connection, boto3's default credential chain is used (the task's
role in AWS), as Airflow does.
"""
from __future__ import annotations

from airflow.exceptions import AirflowException, AirflowNotFoundException
from airflow.hooks.base import BaseHook


def _boto3():
    try:
        import boto3
    except ImportError:
        raise AirflowException("the AWS hooks need boto3 in the task's Python (pip install boto3)") from None
    return boto3


class AwsBaseHook(BaseHook):
    conn_name_attr = "aws_conn_id"
    default_conn_name = "aws_default"
    conn_type = "aws"
    hook_name = "Amazon Web Services"

    def __init__(self, aws_conn_id=default_conn_name, verify=None, region_name=None, client_type=None,
                 resource_type=None, config=None):
        super().__init__()
        self.aws_conn_id = aws_conn_id
        self.client_type = client_type
        self.resource_type = resource_type
        self._verify = verify
        self._region_name = region_name
        self._config = config
        self._connection = None
        self._loaded = False

    @property
    def _conn(self):
        if not self._loaded:
            self._loaded = True
            if self.aws_conn_id:
                try:
                    self._connection = self.get_connection(self.aws_conn_id)
                except AirflowNotFoundException:
                    self.log.warning("Connection %r not found: using boto3's default credentials", self.aws_conn_id)
        return self._connection

    @property
    def conn_config_extra(self):
        return self._conn.extra_dejson if self._conn is not None else {}

    @property
    def service_name(self):
        return self.client_type or self.resource_type

    @property
    def service_config(self):
        config = self.conn_config_extra.get("service_config") or {}
        return config.get(self.service_name) or {} if isinstance(config, dict) else {}

    @property
    def region_name(self):
        return self._region_name or self.conn_config_extra.get("region_name")

    @property
    def verify(self):
        return self._verify if self._verify is not None else self.conn_config_extra.get("verify")

    @property
    def endpoint_url(self):
        return self.service_config.get("endpoint_url") or self.conn_config_extra.get("endpoint_url")

    @property
    def config(self):
        if self._config is not None:
            return self._config
        kwargs = self.conn_config_extra.get("config_kwargs")
        if not kwargs:
            return None
        from botocore.config import Config

        return Config(**kwargs)

    def get_session(self, region_name=None):
        conn = self._conn
        extra = self.conn_config_extra
        kwargs = {"region_name": region_name or self.region_name}
        if conn is not None and conn.login:
            kwargs.update(aws_access_key_id=conn.login, aws_secret_access_key=conn.password,
                          aws_session_token=extra.get("aws_session_token"))
        return _boto3().session.Session(**{k: v for k, v in kwargs.items() if v is not None})

    def _client_kwargs(self):
        kwargs = {"endpoint_url": self.endpoint_url, "config": self.config, "verify": self.verify}
        return {k: v for k, v in kwargs.items() if v is not None}

    def get_client_type(self, region_name=None):
        return self.get_session(region_name).client(self.client_type, **self._client_kwargs())

    def get_resource_type(self, region_name=None):
        return self.get_session(region_name).resource(self.resource_type, **self._client_kwargs())

    def get_conn(self):
        if self.client_type:
            return self.get_client_type()
        if self.resource_type:
            return self.get_resource_type()
        raise AirflowException("%s needs client_type or resource_type" % type(self).__name__)

    @property
    def conn(self):
        cached = getattr(self, "_cached_conn", None)
        if cached is None:
            cached = self._cached_conn = self.get_conn()
        return cached

    def test_connection(self):
        try:
            identity = self.get_session().client("sts", **self._client_kwargs()).get_caller_identity()
            return True, "Connection successfully tested (account %s)" % identity.get("Account")
        except Exception as error:  # noqa: BLE001 - reported to the user as Airflow does
            return False, str(error)


class AwsGenericHook(AwsBaseHook):
    pass
