"""
HttpHook (apache-airflow-providers-http 4.x) over requests, when it is installed in the task's
Python: the connection gives the base URL (schema, default http; host, or a full URL in host; port),
basic auth from login/password, and default headers from its extra.
"""
from __future__ import annotations

from airflow.exceptions import AirflowException
from airflow.hooks.base import BaseHook


def _requests():
    try:
        import requests
    except ImportError:
        raise AirflowException("HttpHook needs requests (pip install requests) in the task's Python") from None
    return requests


class HttpHook(BaseHook):
    conn_name_attr = "http_conn_id"
    default_conn_name = "http_default"
    conn_type = "http"
    hook_name = "HTTP"

    def __init__(self, method="POST", http_conn_id=default_conn_name, auth_type=None, tcp_keep_alive=True,
                 tcp_keep_alive_idle=120, tcp_keep_alive_count=20, tcp_keep_alive_interval=30):
        super().__init__()
        self.http_conn_id = http_conn_id
        self.method = method.upper()
        self.base_url = ""
        self._auth_type = auth_type

    @property
    def auth_type(self):
        return self._auth_type or _requests().auth.HTTPBasicAuth

    def get_conn(self, headers=None):
        requests = _requests()
        session = requests.Session()
        if self.http_conn_id:
            conn = self.get_connection(self.http_conn_id)
            if conn.host and "://" in conn.host:
                self.base_url = conn.host
            else:
                self.base_url = "%s://%s" % (conn.schema or "http", conn.host or "")
            if conn.port:
                self.base_url += ":%s" % conn.port
            if conn.login:
                session.auth = self.auth_type(conn.login, conn.password)
            extra = {k: v for k, v in conn.extra_dejson.items() if k not in ("timeout", "allow_redirects", "proxies", "verify", "cert", "stream", "max_redirects")}
            session.headers.update({k: str(v) for k, v in extra.items()})
        if headers:
            session.headers.update(headers)
        return session

    def url_from_endpoint(self, endpoint):
        if self.base_url and not self.base_url.endswith("/") and endpoint and not endpoint.startswith("/"):
            return self.base_url + "/" + endpoint
        return (self.base_url or "") + (endpoint or "")

    def run(self, endpoint=None, data=None, headers=None, extra_options=None, **request_kwargs):
        requests = _requests()
        extra_options = extra_options or {}
        session = self.get_conn(headers)
        url = self.url_from_endpoint(endpoint)
        if self.method == "GET":
            req = requests.Request(self.method, url, params=data, headers=headers, **request_kwargs)
        elif self.method == "HEAD":
            req = requests.Request(self.method, url, headers=headers, **request_kwargs)
        else:
            req = requests.Request(self.method, url, data=data, headers=headers, **request_kwargs)
        prepped = session.prepare_request(req)
        self.log.debug("Sending '%s' to url: %s", self.method, url)
        return self.run_and_check(session, prepped, extra_options)

    def check_response(self, response):
        requests = _requests()
        try:
            response.raise_for_status()
        except requests.exceptions.HTTPError:
            self.log.error("HTTP error: %s", response.reason)
            self.log.error(response.text)
            raise AirflowException(str(response.status_code) + ":" + response.reason)

    def run_and_check(self, session, prepped_request, extra_options):
        settings = session.merge_environment_settings(
            prepped_request.url,
            proxies=extra_options.get("proxies", {}),
            stream=extra_options.get("stream", False),
            verify=extra_options.get("verify"),
            cert=extra_options.get("cert"),
        )
        send_kwargs = {"timeout": extra_options.get("timeout"), "allow_redirects": extra_options.get("allow_redirects", True)}
        send_kwargs.update(settings)
        response = session.send(prepped_request, **send_kwargs)
        if extra_options.get("check_response", True):
            self.check_response(response)
        return response

    def test_connection(self):
        try:
            self.run()
            return True, "Connection successfully tested"
        except Exception as e:
            return False, str(e)
