"""``SlackWebhookNotifier`` / ``send_slack_webhook_notification``: posts the message to an incoming webhook."""
from airflow.notifications.basenotifier import BaseNotifier
from airflow.providers.slack.hooks.slack_webhook import SlackWebhookHook


class SlackWebhookNotifier(BaseNotifier):
    template_fields = ("slack_webhook_conn_id", "text", "attachments", "blocks", "proxy", "timeout")

    def __init__(self, *, slack_webhook_conn_id=SlackWebhookHook.default_conn_name, text, blocks=None,
                 unfurl_links=None, unfurl_media=None, proxy=None, timeout=None, attachments=None, retry_handlers=None):
        super().__init__()
        self.slack_webhook_conn_id = slack_webhook_conn_id
        self.text, self.blocks, self.attachments = text, blocks, attachments
        self.unfurl_links, self.unfurl_media = unfurl_links, unfurl_media
        self.proxy, self.timeout = proxy, timeout

    @property
    def hook(self):
        return SlackWebhookHook(slack_webhook_conn_id=self.slack_webhook_conn_id, proxy=self.proxy, timeout=self.timeout)

    def notify(self, context):
        self.hook.send(text=self.text, blocks=self.blocks, unfurl_links=self.unfurl_links,
                       unfurl_media=self.unfurl_media, attachments=self.attachments)


send_slack_webhook_notification = SlackWebhookNotifier
