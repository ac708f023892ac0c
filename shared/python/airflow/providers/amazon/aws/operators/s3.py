"""
The S3 operators of apache-airflow-providers-amazon 8.x, over the shim's S3Hook (boto3): create and
delete buckets, create, copy, delete and list objects, with Airflow's template fields and XComs.
"""
from __future__ import annotations

from airflow.exceptions import AirflowException
from airflow.models.baseoperator import BaseOperator
from airflow.providers.amazon.aws.hooks.s3 import S3Hook


class _S3Operator(BaseOperator):
    def __init__(self, *, aws_conn_id="aws_default", verify=None, region_name=None, **kwargs):
        super().__init__(**kwargs)
        self.aws_conn_id = aws_conn_id
        self.verify = verify
        self.region_name = region_name

    def hook(self, **extra):
        return S3Hook(aws_conn_id=self.aws_conn_id, verify=self.verify, region_name=self.region_name, **extra)


class S3CreateBucketOperator(_S3Operator):
    template_fields = ("bucket_name",)

    def __init__(self, *, bucket_name, **kwargs):
        super().__init__(**kwargs)
        self.bucket_name = bucket_name

    def execute(self, context):
        hook = self.hook()
        if hook.check_for_bucket(self.bucket_name):
            self.log.warning("Bucket %s already exists", self.bucket_name)
            return
        hook.create_bucket(bucket_name=self.bucket_name, region_name=self.region_name)
        self.log.info("Created bucket with name: %s", self.bucket_name)


class S3DeleteBucketOperator(_S3Operator):
    template_fields = ("bucket_name",)

    def __init__(self, *, bucket_name, force_delete=False, **kwargs):
        super().__init__(**kwargs)
        self.bucket_name = bucket_name
        self.force_delete = force_delete

    def execute(self, context):
        hook = self.hook()
        if hook.check_for_bucket(self.bucket_name):
            hook.delete_bucket(bucket_name=self.bucket_name, force_delete=self.force_delete)
            self.log.info("Deleted bucket with name: %s", self.bucket_name)
        else:
            self.log.info("Bucket %s doesn't exist", self.bucket_name)


class S3CreateObjectOperator(_S3Operator):
    template_fields = ("s3_bucket", "s3_key", "data")

    def __init__(self, *, s3_key, data, s3_bucket=None, replace=False, encrypt=False, acl_policy=None,
                 encoding=None, compression=None, **kwargs):
        super().__init__(**kwargs)
        self.s3_bucket = s3_bucket
        self.s3_key = s3_key
        self.data = data
        self.replace = replace
        self.encrypt = encrypt
        self.acl_policy = acl_policy
        self.encoding = encoding
        self.compression = compression

    def execute(self, context):
        hook = self.hook()
        bucket, key = hook.get_s3_bucket_key(self.s3_bucket, self.s3_key, "s3_bucket", "s3_key")
        if isinstance(self.data, str):
            hook.load_string(self.data, key, bucket, self.replace, self.encrypt, self.encoding, self.acl_policy, self.compression)
        else:
            hook.load_bytes(self.data, key, bucket, self.replace, self.encrypt, self.acl_policy)


class S3CopyObjectOperator(_S3Operator):
    template_fields = ("source_bucket_key", "dest_bucket_key", "source_bucket_name", "dest_bucket_name")

    def __init__(self, *, source_bucket_key, dest_bucket_key, source_bucket_name=None, dest_bucket_name=None,
                 source_version_id=None, acl_policy=None, **kwargs):
        super().__init__(**kwargs)
        self.source_bucket_key = source_bucket_key
        self.dest_bucket_key = dest_bucket_key
        self.source_bucket_name = source_bucket_name
        self.dest_bucket_name = dest_bucket_name
        self.source_version_id = source_version_id
        self.acl_policy = acl_policy

    def execute(self, context):
        self.hook().copy_object(self.source_bucket_key, self.dest_bucket_key, self.source_bucket_name,
                                self.dest_bucket_name, self.source_version_id, self.acl_policy)


class S3DeleteObjectsOperator(_S3Operator):
    template_fields = ("keys", "bucket", "prefix")

    def __init__(self, *, bucket, keys=None, prefix=None, **kwargs):
        super().__init__(**kwargs)
        if not ((keys is None) ^ (prefix is None)):
            raise AirflowException("Either keys or prefix should be set.")
        self.bucket = bucket
        self.keys = keys
        self.prefix = prefix

    def execute(self, context):
        hook = self.hook()
        keys = self.keys or hook.list_keys(bucket_name=self.bucket, prefix=self.prefix)
        if keys:
            hook.delete_objects(bucket=self.bucket, keys=keys)


class S3ListOperator(_S3Operator):
    template_fields = ("bucket", "prefix", "delimiter")

    def __init__(self, *, bucket, prefix="", delimiter="", apply_wildcard=False, **kwargs):
        super().__init__(**kwargs)
        self.bucket = bucket
        self.prefix = prefix
        self.delimiter = delimiter
        self.apply_wildcard = apply_wildcard

    def execute(self, context):
        self.log.info("Getting the list of files from bucket: %s in prefix: %s (Delimiter %s)", self.bucket, self.prefix, self.delimiter)
        return self.hook().list_keys(bucket_name=self.bucket, prefix=self.prefix, delimiter=self.delimiter, apply_wildcard=self.apply_wildcard)


class S3ListPrefixesOperator(_S3Operator):
    template_fields = ("bucket", "prefix", "delimiter")

    def __init__(self, *, bucket, prefix, delimiter, **kwargs):
        super().__init__(**kwargs)
        self.bucket = bucket
        self.prefix = prefix
        self.delimiter = delimiter

    def execute(self, context):
        return self.hook().list_prefixes(bucket_name=self.bucket, prefix=self.prefix, delimiter=self.delimiter)
