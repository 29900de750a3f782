"""Clip storage on S3 through a prefect-aws `S3Bucket` Block.

The engine's cache speaks boto3 (it never imports Prefect); this turns a saved `S3Bucket`
Block (bucket, folder, `AwsCredentials`) into that cache, so a team shares one clip cache:
a clip any worker paid for is never paid for again.
"""

from __future__ import annotations

from typing import Any

from mvagent.providers.cache import S3ClipCache


def load_s3_bucket(block_name: str) -> Any:
    """The prefect-aws `S3Bucket` Block `block_name` (`name` or `s3-bucket/name`)."""
    from prefect_aws.s3 import S3Bucket

    from blocks.naming import load_block

    return load_block(
        block_name,
        expected=S3Bucket,
        hint="create one (prefect-aws) with the bucket name and an AwsCredentials Block",
    )


def s3_clip_cache(block_name: str, *, folder: str = "clips") -> S3ClipCache:
    """The clip cache in the bucket of S3Bucket Block `block_name`, under `<bucket_folder>/<folder>`."""
    bucket = load_s3_bucket(block_name)
    prefix = "/".join(p.strip("/") for p in (bucket.bucket_folder, folder) if p and p.strip("/"))
    return S3ClipCache(bucket.bucket_name, prefix, client=bucket.credentials.get_s3_client())
