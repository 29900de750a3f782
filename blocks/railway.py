"""The Railway API token the `railway` worker type uses to start one service per flow run.

Save it once (UI → Blocks → mvagent Railway Credentials, or
`RailwayCredentials(api_token="...").save("railway")`) and choose it as the work pool's
`railway_credentials`. An account or team token: a project token cannot create services.
"""

from __future__ import annotations

from prefect.blocks.core import Block
from pydantic import Field, SecretStr

from mvagent.ops.railway import API_URL


class RailwayCredentials(Block):
    """A Railway API token (sent as a Bearer token) and the GraphQL endpoint."""

    _block_type_name = "mvagent Railway Credentials"
    _block_type_slug = "mvagent-railway-credentials"
    _description = (
        "Railway account or team token for the `railway` work pool: each flow run gets its own "
        "Railway service, deleted when the run ends."
    )

    api_token: SecretStr = Field(description="Railway account or team API token.")
    api_url: str = Field(default=API_URL, description="Railway's public GraphQL endpoint.")
