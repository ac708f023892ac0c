"""
``airflow.utils.email``: ``send_email`` from a task's own code (a callback, a notifier, a PythonOperator)
goes through the platform's mail transport — the same one EmailOperator and ``email_on_failure`` use
(the outbox folder locally, SES in AWS) — with the same arguments and sender rules.
"""
import base64
import os

from airflow import _skydag


def get_email_address_list(addresses):
    """A list as is; a string split on ``,`` and ``;``."""
    if isinstance(addresses, str):
        parts = addresses.replace(";", ",").split(",")
    else:
        parts = list(addresses or [])
    return [p.strip() for p in parts if p and p.strip()]


def _attachments(files):
    out = []
    for path in files or []:
        with open(path, "rb") as handle:
            out.append({"filename": os.path.basename(path), "content": base64.b64encode(handle.read()).decode("ascii")})
    return out


def send_email(to, subject, html_content, files=None, dryrun=False, cc=None, bcc=None, mime_subtype="mixed",
               mime_charset="utf-8", conn_id=None, custom_headers=None, from_email=None, **kwargs):
    """Sends an email (Airflow's ``send_email``); ``dryrun`` builds nothing and sends nothing."""
    if dryrun:
        return
    args = {
        "to": get_email_address_list(to),
        "subject": subject,
        "html_content": html_content,
        "cc": get_email_address_list(cc) if cc else None,
        "bcc": get_email_address_list(bcc) if bcc else None,
        "mime_subtype": mime_subtype,
        "mime_charset": mime_charset,
        "conn_id": conn_id,
        "from_email": from_email,
        "custom_headers": custom_headers,
    }
    line = _skydag.call("send_email", args={k: v for k, v in args.items() if v is not None}, attachments=_attachments(files))
    import logging

    logging.getLogger("airflow.utils.email").info("%s", line)


send_email_smtp = send_email
