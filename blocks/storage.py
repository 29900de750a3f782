"""Clip storage on S3 through a prefect-aws `S3Bucket` Block.

The engine's cache speaks boto3 (it never imports Prefect); this turns a saved `S3Bucket`
Block (bucket, folder, `AwsCredentials`) into that cache, so a team shares one clip cache:
a clip any worker paid for is never paid for again.
"""

from __future__ import annotations

from mvagent.errors import ConfigError
from mvagent.providers.cache import S3ClipCache


def s3_clip_cache(block_name: str, *, folder: str = "clips") -> S3ClipCache:
    """The clip cache in the bucket of S3Bucket Block `block_name`, under `<bucket_folder>/<folder>`."""
    from prefect_aws.s3 import S3Bucket

    try:
        bucket = S3Bucket.load(block_name)
    except (ValueError, KeyError):
        raise ConfigError(
            f"no saved S3Bucket Block named {block_name!r}; create one (prefect-aws) with the "
            "bucket name and an AwsCredentials Block"
        ) from None
    prefix = "/".join(p.strip("/") for p in (bucket.bucket_folder, folder) if p and p.strip("/"))
    return S3ClipCache(bucket.bucket_name, prefix, client=bucket.credentials.get_s3_client())
