"""
``SlackHook`` (Slack Web API): the token is the connection's password; the API's base URL is the
hook's ``base_url``, else the connection's ``base_url`` extra, else Slack's. ``call`` POSTs JSON with the
token as a Bearer credential and raises when Slack answers ``ok: false``, as slack_sdk's WebClient does.
"""
import json

from airflow.exceptions import AirflowException, AirflowNotFoundException
from airflow.hooks.base import BaseHook
from airflow.providers.slack.hooks._http import post_json

DEFAULT_BASE_URL = "https://www.slack.com/api/"


class SlackApiError(AirflowException):
    def __init__(self, message, response=None):
        super().__init__(message)
        self.response = response


class SlackHook(BaseHook):
    conn_name_attr = "slack_conn_id"
    default_conn_name = "slack_api_default"
    conn_type = "slack"
    hook_name = "Slack API"

    def __init__(self, *, slack_conn_id=default_conn_name, base_url=None, timeout=None, proxy=None,
                 retry_handlers=None, **extra_client_args):
        super().__init__()
        self.slack_conn_id = slack_conn_id
        self.base_url = base_url
        self.timeout = timeout
        self.proxy = proxy

    def _params(self):
        conn = self.get_connection(self.slack_conn_id)
        token = (conn.password or "").strip()
        if not token:
            raise AirflowNotFoundException("Connection ID %r does not contain password (Slack API Token)" % self.slack_conn_id)
        extra = conn.extra_dejson or {}
        base_url = self.base_url or extra.get("base_url") or extra.get("extra__slack__base_url") or DEFAULT_BASE_URL
        timeout = self.timeout or extra.get("timeout") or extra.get("extra__slack__timeout")
        proxy = self.proxy or extra.get("proxy") or extra.get("extra__slack__proxy")
        return token, base_url, timeout, proxy

    def call(self, api_method, **kwargs):
        token, base_url, timeout, proxy = self._params()
        body = kwargs.get("json") or kwargs.get("data") or {}
        url = base_url.rstrip("/") + "/" + api_method
        status, text = post_json(url, body, {"Authorization": "Bearer " + token}, timeout, proxy)
        try:
            answer = json.loads(text)
        except ValueError:
            answer = {"ok": False, "error": "HTTP %s: %s" % (status, text[:200])}
        if status >= 400 or not answer.get("ok"):
            raise SlackApiError("The request to the Slack API failed. (url: %s) The server responded with: %s" % (url, answer), answer)
        return answer

    def send(self, *, channel=None, text=None, **kwargs):
        return self.call("chat.postMessage", json={"channel": channel, "text": text, **kwargs})

    def test_connection(self):
        try:
            self.call("auth.test")
            return True, "Connection successfully tested"
        except Exception as err:
            return False, str(err)
