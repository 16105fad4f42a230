"""AWS::S3::BucketPolicy through moto's S3 backend."""

from __future__ import annotations

import json

from moto.s3.models import s3_backends

from .base import Provider, provider


@provider
class BucketPolicy(Provider):
    """The policy of an existing bucket (`get-bucket-policy` returns it). Ref is the bucket name;
    Bucket is createOnly, PolicyDocument updates in place; deleting removes the policy."""

    TYPE = "AWS::S3::BucketPolicy"

    @property
    def backend(self):
        return s3_backends[self.ctx.account_id][self.ctx.partition]

    def _put(self):
        bucket = self.props["Bucket"]
        if bucket not in self.backend.buckets:
            raise self.fail(f"The specified bucket does not exist (Bucket: {bucket})")
        doc = self.props["PolicyDocument"]
        if isinstance(doc, str):
            try:
                json.loads(doc)
            except ValueError as err:
                raise self.fail(f"Policy has invalid JSON: {err}") from err
        else:
            doc = json.dumps(doc)
        self.backend.put_bucket_policy(bucket, doc.encode("utf-8"))

    def create(self):
        self._put()
        self.physical_id = self.props["Bucket"]

    def update(self, old_props):
        self._put()

    def delete_resource(self):
        if self.props["Bucket"] in self.backend.buckets:
            self.backend.delete_bucket_policy(self.props["Bucket"])
