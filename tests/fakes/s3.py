"""moto's real S3 server on 127.0.0.1 (an ephemeral port), one per test session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

CREDS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "region_name": "us-east-1",
}


@dataclass
class S3Server:
    endpoint_url: str

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint_url, **CREDS)

    def new_bucket(self) -> str:
        name = f"mvagent-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def bucket_block(self, bucket: str, *, folder: str = "") -> Any:
        """A prefect-aws `S3Bucket` Block (unsaved) for `bucket` on this server."""
        from prefect_aws import AwsClientParameters, AwsCredentials, S3Bucket

        creds = AwsCredentials(
            **CREDS, aws_client_parameters=AwsClientParameters(endpoint_url=self.endpoint_url)
        )
        return S3Bucket(bucket_name=bucket, bucket_folder=folder, credentials=creds)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield S3Server(f"http://{host}:{port}")
    server.stop()
