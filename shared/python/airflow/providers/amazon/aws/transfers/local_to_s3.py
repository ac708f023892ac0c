"""LocalFilesystemToS3Operator (apache-airflow-providers-amazon 8.x) over the shim's S3Hook."""
from __future__ import annotations

from airflow.models.baseoperator import BaseOperator
from airflow.providers.amazon.aws.hooks.s3 import S3Hook


class LocalFilesystemToS3Operator(BaseOperator):
    template_fields = ("filename", "dest_key", "dest_bucket")

    def __init__(self, *, filename, dest_key, dest_bucket=None, aws_conn_id="aws_default", verify=None,
                 replace=False, encrypt=False, gzip=False, acl_policy=None, **kwargs):
        super().__init__(**kwargs)
        self.filename = filename
        self.dest_key = dest_key
        self.dest_bucket = dest_bucket
        self.aws_conn_id = aws_conn_id
        self.verify = verify
        self.replace = replace
        self.encrypt = encrypt
        self.gzip = gzip
        self.acl_policy = acl_policy

    def execute(self, context):
        hook = S3Hook(aws_conn_id=self.aws_conn_id, verify=self.verify)
        bucket, key = hook.get_s3_bucket_key(self.dest_bucket, self.dest_key, "dest_bucket", "dest_key")
        hook.load_file(self.filename, key, bucket, self.replace, self.encrypt, self.gzip, self.acl_policy)
