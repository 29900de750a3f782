"""The form's models: closed choices, blank Block names, the engine's settings accepted."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from flows.params import SongInput, VideoOptions
from mvagent.models import GenerationSettings


def test_a_provider_typo_is_refused_by_the_form():
    with pytest.raises(ValidationError, match="provider"):
        VideoOptions.model_validate({"generation": {"provider": "soar"}})
    with pytest.raises(ValidationError, match="fallback"):
        VideoOptions.model_validate({"generation": {"fallback": ["local", "vео"]}})


def test_engine_settings_are_checked_against_the_form():
    options = VideoOptions(generation=GenerationSettings(provider="veo", fallback=["local"]))
    assert options.generation.provider == "veo" and options.generation.fallback == ["local"]


def test_a_blank_suno_block_from_the_trigger_means_none():
    assert SongInput(source="suno:x", suno_credentials_block=" ").suno_credentials_block is None
    assert SongInput(suno_credentials_block="suno").suno_credentials_block == "suno"


def test_critic_is_documented_and_defaults_to_auto():
    from mvagent.review.settings import ReviewSettings

    field = ReviewSettings.model_fields["critic"]
    assert field.default == "auto" and field.description
