"""``SmtpNotifier`` / ``send_smtp_notification``: an email through the platform's mail transport (airflow.utils.email)."""
from airflow.notifications.basenotifier import BaseNotifier
from airflow.utils.email import send_email

DEFAULT_SUBJECT = "DAG {{ dag.dag_id }} - Task {{ ti.task_id }} - Run ID {{ ti.run_id }} in State {{ ti.state }}"
DEFAULT_HTML = (
    "<p>DAG: {{ dag.dag_id }}<br>Task: {{ ti.task_id }}<br>Run ID: {{ ti.run_id }}<br>"
    "Try: {{ ti.try_number }}<br>State: {{ ti.state }}<br>Logical date: {{ ts }}</p>"
)


class SmtpNotifier(BaseNotifier):
    template_fields = ("from_email", "to", "subject", "html_content", "files", "cc", "bcc", "mime_subtype",
                       "mime_charset", "custom_headers")
    template_ext = (".html",)

    def __init__(self, *, to, from_email=None, smtp_conn_id="smtp_default", subject=None, html_content=None,
                 template=None, files=None, cc=None, bcc=None, mime_subtype="mixed", mime_charset="utf-8",
                 custom_headers=None, **kwargs):
        super().__init__()
        self.smtp_conn_id = smtp_conn_id
        self.from_email, self.to, self.cc, self.bcc = from_email, to, cc, bcc
        self.subject = subject or DEFAULT_SUBJECT
        self.html_content = html_content or template or DEFAULT_HTML
        self.files = files
        self.mime_subtype, self.mime_charset, self.custom_headers = mime_subtype, mime_charset, custom_headers

    def notify(self, context):
        send_email(self.to, self.subject, self.html_content, files=self.files, cc=self.cc, bcc=self.bcc,
                   mime_subtype=self.mime_subtype, mime_charset=self.mime_charset, conn_id=self.smtp_conn_id,
                   custom_headers=self.custom_headers, from_email=self.from_email)


send_smtp_notification = SmtpNotifier
