"""``SlackNotifier`` / ``send_slack_notification``: posts ``text`` (rendered) with chat.postMessage."""
import json

from airflow.notifications.basenotifier import BaseNotifier
from airflow.providers.slack.hooks.slack import SlackHook

ICON_URL = "https://raw.githubusercontent.com/apache/airflow/2.5.0/airflow/www/static/pin_100.png"


class SlackNotifier(BaseNotifier):
    template_fields = ("text", "channel", "username", "attachments", "blocks")

    def __init__(self, *, slack_conn_id=SlackHook.default_conn_name, text="This is a default message",
                 channel="#general", username="Airflow", icon_url=ICON_URL, attachments=(), blocks=(),
                 base_url=None, proxy=None, timeout=None, retry_handlers=None, unfurl_links=True, unfurl_media=True):
        super().__init__()
        self.slack_conn_id = slack_conn_id
        self.text, self.channel, self.username, self.icon_url = text, channel, username, icon_url
        self.attachments, self.blocks = attachments, blocks
        self.base_url, self.proxy, self.timeout = base_url, proxy, timeout
        self.unfurl_links, self.unfurl_media = unfurl_links, unfurl_media

    @property
    def hook(self):
        return SlackHook(slack_conn_id=self.slack_conn_id, base_url=self.base_url, timeout=self.timeout, proxy=self.proxy)

    def notify(self, context):
        self.hook.call("chat.postMessage", json={
            "channel": self.channel,
            "username": self.username,
            "text": self.text,
            "icon_url": self.icon_url,
            "attachments": json.dumps(list(self.attachments)),
            "blocks": json.dumps(list(self.blocks)),
            "unfurl_links": self.unfurl_links,
            "unfurl_media": self.unfurl_media,
        })


send_slack_notification = SlackNotifier
