"""
S3Hook (apache-airflow-providers-amazon 8.x) over boto3: the methods DAG code calls — keys and
prefixes (list, check, wildcard), read/load (string, bytes, file, file object; ``replace`` refuses an
existing key unless true; ``encrypt`` asks for SSE-S3; gzip), copy, delete, download, buckets and
presigned URLs. ``bucket_name`` may be omitted when the key is an ``s3://bucket/key`` URL, or when
the connection's ``service_config.s3.bucket_name`` names one, as in Airflow.
"""
from __future__ import annotations

import fnmatch
import gzip as gz
import os
import re
import shutil
from functools import wraps
from tempfile import NamedTemporaryFile, gettempdir
from urllib.parse import urlsplit
from uuid import uuid4

from airflow.exceptions import AirflowException
from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook


class S3Hook(AwsBaseHook):
    conn_type = "s3"
    hook_name = "Amazon S3"

    def __init__(self, aws_conn_id=AwsBaseHook.default_conn_name, transfer_config_args=None, extra_args=None, *args, **kwargs):
        kwargs["client_type"] = "s3"
        super().__init__(aws_conn_id, *args, **kwargs)
        self.transfer_config_args = transfer_config_args or {}
        self._extra_args = dict(extra_args or {})

    @property
    def extra_args(self):
        return dict(self._extra_args)

    # ---- names
    @staticmethod
    def parse_s3_url(s3url):
        parsed = urlsplit(s3url)
        if parsed.scheme.lower() not in ("s3", "s3a", "s3n") or not parsed.netloc:
            raise AirflowException('Please provide a bucket name using a valid format: "%s"' % s3url)
        return parsed.netloc, parsed.path.lstrip("/")

    @staticmethod
    def get_s3_bucket_key(bucket, key, bucket_param_name, key_param_name):
        if bucket is None:
            return S3Hook.parse_s3_url(key)
        if urlsplit(key).scheme:
            raise TypeError("If `%s` is provided, %s should be a relative path from root level, rather than a full s3:// url"
                            % (bucket_param_name, key_param_name))
        return bucket, key

    def _bucket(self, bucket_name, key=None):
        """Airflow's provide_bucket_name + unify_bucket_name_and_key: the bucket and the key within it."""
        if bucket_name is None and key is not None and urlsplit(key).scheme:
            return self.parse_s3_url(key)
        if bucket_name is None:
            bucket_name = self.service_config.get("bucket_name")
        if not bucket_name:
            raise ValueError("bucket_name is required (pass it, use an s3:// key, or set service_config.s3.bucket_name in the connection)")
        return bucket_name, key

    # ---- buckets
    def check_for_bucket(self, bucket_name=None):
        bucket_name, _ = self._bucket(bucket_name)
        from botocore.exceptions import ClientError

        try:
            self.get_conn().head_bucket(Bucket=bucket_name)
            return True
        except ClientError as error:
            self.log.info('Bucket "%s" does not exist (%s)', bucket_name, error.response.get("Error", {}).get("Code"))
            return False

    def get_bucket(self, bucket_name=None):
        bucket_name, _ = self._bucket(bucket_name)
        return self.get_session().resource("s3", **self._client_kwargs()).Bucket(bucket_name)

    def create_bucket(self, bucket_name=None, region_name=None):
        bucket_name, _ = self._bucket(bucket_name)
        region_name = region_name or self.get_conn().meta.region_name
        if region_name == "us-east-1":
            self.get_conn().create_bucket(Bucket=bucket_name)
        else:
            self.get_conn().create_bucket(Bucket=bucket_name, CreateBucketConfiguration={"LocationConstraint": region_name})

    def delete_bucket(self, bucket_name, force_delete=False, max_retries=5):
        if force_delete:
            keys = self.list_keys(bucket_name=bucket_name)
            if keys:
                self.delete_objects(bucket=bucket_name, keys=keys)
        self.get_conn().delete_bucket(Bucket=bucket_name)

    # ---- listing
    def _pages(self, bucket_name, prefix, delimiter, page_size, max_items, start_after_key=None):
        config = {"PageSize": page_size, "MaxItems": max_items}
        params = {"Bucket": bucket_name, "Prefix": prefix or "", "Delimiter": delimiter or "",
                  "PaginationConfig": {k: v for k, v in config.items() if v is not None}}
        if start_after_key:
            params["StartAfter"] = start_after_key
        return self.get_conn().get_paginator("list_objects_v2").paginate(**params)

    def list_prefixes(self, bucket_name=None, prefix=None, delimiter=None, page_size=None, max_items=None):
        bucket_name, _ = self._bucket(bucket_name)
        prefixes = []
        for page in self._pages(bucket_name, prefix, delimiter, page_size, max_items):
            prefixes.extend(p["Prefix"] for p in page.get("CommonPrefixes", []))
        return prefixes

    def list_keys(self, bucket_name=None, prefix=None, delimiter=None, page_size=None, max_items=None,
                  start_after_key=None, from_datetime=None, to_datetime=None, object_filter=None, apply_wildcard=False):
        bucket_name, _ = self._bucket(bucket_name)
        prefix = prefix or ""
        pattern = None
        if apply_wildcard and "*" in prefix:
            pattern = prefix
            prefix = re.split(r"[\[*?]", prefix, 1)[0]
        objects = []
        for page in self._pages(bucket_name, prefix, delimiter, page_size, max_items, start_after_key):
            objects.extend(page.get("Contents", []))
        if pattern is not None:
            objects = [o for o in objects if fnmatch.fnmatch(o["Key"], pattern)]
        if object_filter is not None:
            return object_filter(objects, from_datetime, to_datetime)
        return [o["Key"] for o in objects
                if (from_datetime is None or o["LastModified"] >= from_datetime)
                and (to_datetime is None or o["LastModified"] < to_datetime)]

    def get_file_metadata(self, prefix, bucket_name=None, page_size=None, max_items=None):
        bucket_name, _ = self._bucket(bucket_name)
        files = []
        for page in self._pages(bucket_name, prefix, None, page_size, max_items):
            files.extend(page.get("Contents", []))
        return files

    def check_for_prefix(self, prefix, delimiter, bucket_name=None):
        prefix = prefix + delimiter if prefix[-1:] != delimiter else prefix
        previous_level = re.split(re.escape(delimiter), prefix)[:-2]
        previous = delimiter.join(previous_level) + delimiter if previous_level else ""
        return prefix in self.list_prefixes(bucket_name, previous, delimiter)

    # ---- keys
    def head_object(self, key, bucket_name=None):
        bucket_name, key = self._bucket(bucket_name, key)
        from botocore.exceptions import ClientError

        try:
            return self.get_conn().head_object(Bucket=bucket_name, Key=key)
        except ClientError as error:
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return None
            raise

    def check_for_key(self, key, bucket_name=None):
        return self.head_object(key, bucket_name) is not None

    def get_key(self, key, bucket_name=None):
        bucket_name, key = self._bucket(bucket_name, key)
        obj = self.get_session().resource("s3", **self._client_kwargs()).Object(bucket_name, key)
        obj.load()
        return obj

    def read_key(self, key, bucket_name=None):
        return self.get_key(key, bucket_name).get()["Body"].read().decode("utf-8")

    def get_wildcard_key(self, wildcard_key, bucket_name=None, delimiter=""):
        bucket_name, wildcard_key = self._bucket(bucket_name, wildcard_key)
        prefix = re.split(r"[\[*?]", wildcard_key, 1)[0]
        for key in self.list_keys(bucket_name=bucket_name, prefix=prefix, delimiter=delimiter):
            if fnmatch.fnmatch(key, wildcard_key):
                return self.get_key(key, bucket_name)
        return None

    def check_for_wildcard_key(self, wildcard_key, bucket_name=None, delimiter=""):
        return self.get_wildcard_key(wildcard_key, bucket_name, delimiter) is not None

    # ---- writing
    def _put(self, body, key, bucket_name, replace, encrypt, acl_policy):
        bucket_name, key = self._bucket(bucket_name, key)
        if not replace and self.check_for_key(key, bucket_name):
            raise ValueError("The key %s already exists." % key)
        extra = self.extra_args
        if encrypt:
            extra["ServerSideEncryption"] = "AES256"
        if acl_policy:
            extra["ACL"] = acl_policy
        self.get_conn().put_object(Bucket=bucket_name, Key=key, Body=body, **extra)

    def load_string(self, string_data, key, bucket_name=None, replace=False, encrypt=False, encoding=None,
                    acl_policy=None, compression=None):
        data = string_data.encode(encoding or "utf-8")
        if compression == "gzip":
            data = gz.compress(data)
        elif compression is not None:
            raise NotImplementedError("Received %s compression type. Only gzip is supported" % compression)
        self._put(data, key, bucket_name, replace, encrypt, acl_policy)

    def load_bytes(self, bytes_data, key, bucket_name=None, replace=False, encrypt=False, acl_policy=None):
        self._put(bytes_data, key, bucket_name, replace, encrypt, acl_policy)

    def load_file_obj(self, file_obj, key, bucket_name=None, replace=False, encrypt=False, acl_policy=None):
        self._put(file_obj.read(), key, bucket_name, replace, encrypt, acl_policy)

    def load_file(self, filename, key, bucket_name=None, replace=False, encrypt=False, gzip=False, acl_policy=None):
        filename = str(filename)
        with open(filename, "rb") as handle:
            data = handle.read()
        if gzip:
            data = gz.compress(data)
        self._put(data, key, bucket_name, replace, encrypt, acl_policy)

    def copy_object(self, source_bucket_key, dest_bucket_key, source_bucket_name=None, dest_bucket_name=None,
                    source_version_id=None, acl_policy=None, **kwargs):
        dest_bucket_name, dest_bucket_key = self.get_s3_bucket_key(dest_bucket_name, dest_bucket_key, "dest_bucket_name", "dest_bucket_key")
        source_bucket_name, source_bucket_key = self.get_s3_bucket_key(source_bucket_name, source_bucket_key, "source_bucket_name", "source_bucket_key")
        source = {"Bucket": source_bucket_name, "Key": source_bucket_key}
        if source_version_id:
            source["VersionId"] = source_version_id
        extra = {"ACL": acl_policy} if acl_policy else {}
        return self.get_conn().copy_object(Bucket=dest_bucket_name, Key=dest_bucket_key, CopySource=source, **extra, **kwargs)

    def delete_objects(self, bucket, keys):
        keys = [keys] if isinstance(keys, str) else list(keys)
        # S3 deletes at most 1,000 keys per request.
        for start in range(0, len(keys), 1000):
            chunk = keys[start:start + 1000]
            response = self.get_conn().delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk]})
            errors = response.get("Errors", [])
            if errors:
                raise AirflowException("Errors when deleting: %s" % [e.get("Key") for e in errors])

    def download_file(self, key, bucket_name=None, local_path=None, preserve_file_name=False, use_autogenerated_subdir=True):
        bucket_name, key = self._bucket(bucket_name, key)
        obj = self.get_key(key, bucket_name)
        local_dir = str(local_path) if local_path else gettempdir()
        if preserve_file_name:
            subdir = "airflow_tmp_dir_%s" % uuid4().hex[0:8] if use_autogenerated_subdir else ""
            target_dir = os.path.join(local_dir, subdir)
            os.makedirs(target_dir, exist_ok=True)
            path = os.path.join(target_dir, os.path.basename(urlsplit(key).path or key))
            if os.path.exists(path):
                raise FileExistsError("%s already exists" % path)
            handle = open(path, "wb")
        else:
            handle = NamedTemporaryFile(dir=local_dir, prefix="airflow_tmp_", delete=False)
            path = handle.name
        with handle:
            shutil.copyfileobj(obj.get()["Body"], handle)
        return path

    def generate_presigned_url(self, client_method, params=None, expires_in=3600, http_method=None):
        try:
            return self.get_conn().generate_presigned_url(ClientMethod=client_method, Params=params, ExpiresIn=expires_in, HttpMethod=http_method)
        except Exception as error:  # noqa: BLE001 - Airflow logs and returns None
            self.log.error(error)
            return None


def provide_bucket_name(func):
    """Airflow's decorator, for code that decorates its own hook methods with it."""

    @wraps(func)
    def wrapper(self, *args, **kwargs):
        if kwargs.get("bucket_name") is None and hasattr(self, "service_config"):
            kwargs["bucket_name"] = self.service_config.get("bucket_name") or kwargs.get("bucket_name")
        return func(self, *args, **kwargs)

    return wrapper


def unify_bucket_name_and_key(func):
    return func

