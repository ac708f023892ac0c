from airflow.models.baseoperator import BaseOperator


class EmailOperator(BaseOperator):
    template_fields = ("to", "subject", "html_content", "files")
    template_ext = (".html",)
    ui_color = "#e6faf9"
    _skydag_executable = False

    def __init__(self, to=None, subject=None, html_content=None, files=None, cc=None, bcc=None,
                 mime_subtype="mixed", mime_charset="utf-8", conn_id=None, **kwargs):
        super().__init__(**kwargs)
        self.to, self.subject, self.html_content, self.files = to, subject, html_content, files or []
        self.cc, self.bcc, self.mime_subtype, self.mime_charset, self.conn_id = cc, bcc, mime_subtype, mime_charset, conn_id

    def execute(self, context):
        from airflow.exceptions import SkydagShimError

        raise SkydagShimError("EmailOperator is run by skydag's runtime, not by the Python runner")
