"""`mvagent make`: build the flow's parameters from the command line and run it."""

from __future__ import annotations

from pathlib import Path

import click

from flows.params import SongInput, VideoOptions
from mvagent.cli_display import StageDisplay
from mvagent.errors import BadInputError, ConfigError
from mvagent.ingest import ingest_file
from mvagent.models import GenerationSettings, PlannerSettings, RenderSettings, Storyboard
from mvagent.review.settings import ReviewSettings


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise BadInputError(f"--size {text!r} is not WIDTHxHEIGHT, e.g. 1280x720") from None
    return w, h


def build_parameters(
    *, song: str | None, demo: bool, **o: object
) -> tuple[SongInput, VideoOptions]:
    """Validate the options (fast, before Prefect starts) and turn them into flow parameters."""
    if song and not song.startswith(("http://", "https://", "suno:")):  # a song wins over --demo
        ingest_file(song, lyrics_path=o.get("lyrics_path"))  # fails fast on a bad file
    elif o.get("lyrics_path") and not Path(str(o["lyrics_path"])).expanduser().is_file():
        raise BadInputError(f"lyrics file not found: {o['lyrics_path']} (check --lyrics)")
    width, height = _size(str(o["size"]))
    try:
        render = RenderSettings(
            width=width, height=height, fps=o["fps"], preset=o["preset"], subtitles=o["subtitles"]
        )
    except ValueError as exc:
        raise BadInputError(f"bad render option: {exc.errors()[0]['msg']}") from None  # type: ignore[attr-defined]
    max_cost = o.get("max_cost")
    if max_cost is not None and float(max_cost) < 0:
        raise BadInputError("--max-cost must be zero or more (USD)")
    fallback = [p.strip() for p in str(o.get("fallback") or "").split(",") if p.strip()]
    generation = GenerationSettings(
        provider=str(o["provider"]),
        model=str(o.get("model") or ""),
        fallback=fallback,
        credentials_block=o.get("credentials_block"),  # type: ignore[arg-type]
        max_cost_usd=max_cost,  # type: ignore[arg-type]
        dry_run=bool(o.get("dry_run")),
    )
    from mvagent.providers import provider_names

    for name in (generation.provider, *generation.fallback):
        if name not in provider_names():
            raise BadInputError(
                f"unknown provider {name!r}; choose one of: {', '.join(provider_names())}"
            )
    planner = PlannerSettings(
        mode=str(o.get("planner") or "auto"),  # type: ignore[arg-type]
        brief=str(o.get("brief") or ""),
        transcribe=bool(o.get("transcribe")),
        llm_credentials_block=o.get("llm_credentials_block"),  # type: ignore[arg-type]
        llm_model=str(o.get("llm_model") or ""),
    )
    if planner.mode == "llm" or planner.transcribe:
        _require_llm(planner)
    try:
        review = ReviewSettings(
            critic=str(o.get("critic") or "auto"),  # type: ignore[arg-type]
            max_retakes=int(o.get("max_retakes") if o.get("max_retakes") is not None else 2),  # type: ignore[arg-type]
        )
    except ValueError as exc:
        raise BadInputError(f"bad review option: {exc.errors()[0]['msg']}") from None  # type: ignore[attr-defined]
    if review.critic == "llm" and not o.get("no_review"):
        _require_llm(planner, what="--critic llm")
    song_input = SongInput(
        source=song or "",
        demo=demo,
        title=str(o.get("title") or ""),
        artist=str(o.get("artist") or ""),
        lyrics_path=o.get("lyrics_path"),  # type: ignore[arg-type]
    )
    options = VideoOptions(
        style=str(o.get("style") or ""),
        out_dir=str(o["out_dir"]),
        seed=int(o["seed"]),  # type: ignore[arg-type]
        render=render,
        generation=generation,
        review_clips=not o.get("no_review"),
        planner=planner,
        review=review,
    )
    return song_input, options


def _require_llm(planner: PlannerSettings, *, what: str = "") -> None:
    """`--planner llm` / `--transcribe` / `--critic llm` with nowhere to send requests: fail
    before Prefect."""
    if planner.llm_credentials_block:
        return  # checked when the Block is loaded
    from mvagent.llm import config_from_env
    from mvagent.planning.planner import NO_LLM

    if not config_from_env().configured:
        what = what or ("--planner llm" if planner.mode == "llm" else "--transcribe")
        raise ConfigError(f"{what}: {NO_LLM}")


def print_dry_run(storyboard_path: Path, generation: GenerationSettings) -> None:
    from mvagent.planning.cost import estimate_cost
    from mvagent.planning.summary import storyboard_lines

    storyboard = Storyboard.model_validate_json(storyboard_path.read_text())
    estimate = estimate_cost(storyboard, settings=generation)
    click.echo(f"storyboard: {storyboard_path}")
    for line in storyboard_lines(storyboard):
        click.echo(line)
    llm = (
        f"${storyboard.llm_cost_usd:.4f} for {storyboard.llm_calls} call(s) to {storyboard.llm_model}"
        if storyboard.llm_calls
        else "none"
    )
    click.echo(f"LLM cost: {llm}")
    click.echo("clip cost estimate: " + estimate.summary())
    click.echo(f"total: ${storyboard.llm_cost_usd + estimate.total_usd:.2f}")


def run_make(*, song: str | None, demo: bool, **opts: object) -> None:
    song_input, options = build_parameters(song=song, demo=demo, **opts)
    from flows.music_video import music_video

    with StageDisplay():
        result = music_video(song=song_input, options=options)
    path = Path(result)
    if options.generation.dry_run:
        print_dry_run(path, options.generation)
        return
    click.echo(str(path))
