"""
``SlackWebhookHook`` (Slack incoming webhooks): the webhook is the connection's password — a whole URL,
or a token appended to the connection's host (default ``https://hooks.slack.com/services``). ``send``
POSTs the message as JSON; any answer but HTTP 2xx raises.
"""
from urllib.parse import urlparse

from airflow.exceptions import AirflowException, AirflowNotFoundException
from airflow.hooks.base import BaseHook
from airflow.providers.slack.hooks._http import post_json

DEFAULT_SLACK_WEBHOOK_ENDPOINT = "https://hooks.slack.com/services"


class SlackWebhookHook(BaseHook):
    conn_name_attr = "slack_webhook_conn_id"
    default_conn_name = "slack_default"
    conn_type = "slackwebhook"
    hook_name = "Slack Incoming Webhook"

    def __init__(self, *, slack_webhook_conn_id=default_conn_name, timeout=None, proxy=None, retry_handlers=None,
                 **extra_client_args):
        super().__init__()
        self.slack_webhook_conn_id = slack_webhook_conn_id
        self.timeout = timeout
        self.proxy = proxy

    def _webhook_url(self):
        conn = self.get_connection(self.slack_webhook_conn_id)
        token = (conn.password or "").strip()
        if not token:
            raise AirflowNotFoundException("Connection ID %r does not contain password (Slack Webhook Token)" % self.slack_webhook_conn_id)
        if urlparse(token).scheme:
            return token
        base = (conn.host or DEFAULT_SLACK_WEBHOOK_ENDPOINT).strip()
        if not urlparse(base).scheme:
            base = "%s://%s" % (conn.schema or "https", base)
        return base.rstrip("/") + "/" + token.lstrip("/")

    def send_dict(self, body, *, headers=None):
        extra = self.get_connection(self.slack_webhook_conn_id).extra_dejson or {}
        timeout = self.timeout or extra.get("timeout")
        proxy = self.proxy or extra.get("proxy")
        status, text = post_json(self._webhook_url(), body, headers, timeout, proxy)
        if not 200 <= status < 300:
            raise AirflowException("Response body: %r, Status Code: %s" % (text[:200], status))
        return text

    def send(self, *, text=None, blocks=None, response_type=None, replace_original=None, delete_original=None,
             unfurl_links=None, unfurl_media=None, headers=None, attachments=None, **kwargs):
        body = {
            "text": text, "attachments": attachments, "blocks": blocks, "response_type": response_type,
            "replace_original": replace_original, "delete_original": delete_original,
            "unfurl_links": unfurl_links, "unfurl_media": unfurl_media, **kwargs,
        }
        return self.send_dict({k: v for k, v in body.items() if v is not None}, headers=headers)

    def send_text(self, text, *, unfurl_links=None, unfurl_media=None, headers=None):
        return self.send(text=text, unfurl_links=unfurl_links, unfurl_media=unfurl_media, headers=headers)
