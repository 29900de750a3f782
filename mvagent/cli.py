"""The `mvagent` command: make, analyze, render, redo.

Errors the user can fix print one line and exit 2; nothing else in the engine prints.
`make` runs the Prefect flow (ephemeral server unless PREFECT_API_URL is set); `analyze`
and `render` are plain engine calls and never start Prefect.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from mvagent.errors import MvagentError


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"mvagent: error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="musicvideo-agent")
def cli() -> None:
    """Turn a song into a beat-synced music video."""


@cli.command()
@click.argument("song", required=False)
@click.option("--demo", is_flag=True, help="Use the built-in synthesised demo song.")
@click.option(
    "--provider",
    default="local",
    show_default=True,
    help="Video provider: local, sora, veo, fal, replicate, runway, web (`mvagent providers`).",
)
@click.option("--model", default="", help="Provider model name (default: the provider's own).")
@click.option(
    "--fallback",
    default="",
    help="Comma-separated providers to try when the main one cannot make a scene, e.g. "
    "veo,local. Default: none (the run stops and names the scenes).",
)
@click.option("--style", default="", help="Free-text visual style, e.g. 'neon synthwave, rain'.")
@click.option(
    "--out", "out_dir", default="out", show_default=True, type=click.Path(file_okay=False)
)
@click.option("--title", default="", help="Song title (default: the file name).")
@click.option("--artist", default="")
@click.option(
    "--lyrics", "lyrics_path", default=None, type=click.Path(), help="Suno JSON, LRC, SRT or text."
)
@click.option("--size", default="1280x720", show_default=True, help="Output WIDTHxHEIGHT.")
@click.option("--fps", default=24, show_default=True, type=int)
@click.option("--preset", type=click.Choice(["draft", "final"]), default="final", show_default=True)
@click.option(
    "--subtitles", type=click.Choice(["burn", "soft", "none"]), default="burn", show_default=True
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--dry-run", is_flag=True, help="Plan and print the cost estimate; generate nothing.")
@click.option(
    "--max-cost", type=float, default=None, help="Stop before spending more than this (USD)."
)
@click.option(
    "--credentials", "credentials_block", default=None, help="Name of a saved credentials Block."
)
@click.option(
    "--planner",
    type=click.Choice(["auto", "llm", "heuristic"]),
    default="auto",
    show_default=True,
    help="Who writes the storyboard: the LLM (MVAGENT_LLM_*), the heuristic, or auto.",
)
@click.option("--brief", default="", help="What the video should be about, for the LLM planner.")
@click.option(
    "--transcribe", is_flag=True, help="No lyrics? Get timed words from the LLM endpoint."
)
@click.option(
    "--llm-credentials", "llm_credentials_block", default=None, help="A saved LLMCredentials Block."
)
@click.option(
    "--llm-model", default="", help="LLM model (default: MVAGENT_LLM_MODEL or the Block's)."
)
@click.option(
    "--critic",
    type=click.Choice(["auto", "llm", "rules", "off"]),
    default="auto",
    show_default=True,
    help="Who judges each clip: a vision model (MVAGENT_LLM_*), offline rules, off, or auto.",
)
@click.option(
    "--max-retakes",
    type=click.IntRange(0, 10),
    default=2,
    show_default=True,
    help="New takes per scene at most when the critic rejects one.",
)
@click.option("--no-review", is_flag=True, help="Skip clip QA and regeneration (--critic off).")
@click.option("-v", "--verbose", is_flag=True, help="Show Prefect's logs.")
def make(song: str | None, demo: bool, verbose: bool, **opts: object) -> None:
    """Make a music video for SONG (a file, URL or suno:ID) or --demo."""
    if not song and not demo:
        _fail("no song given: pass a song file, a URL, suno:ID, or --demo")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "CRITICAL")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Prefect is an implementation detail here: no usage telemetry unless the user opts in
    # (DO_NOT_TRACK=0).
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # On a busy 2-core machine the temporary server can take longer than Prefect's 20 s default.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    # The one place the engine reaches into Prefect, lazily: `make` runs the flow.
    from flows.cli_make import run_make

    run_make(song=song, demo=demo, **opts)


@cli.command()
@click.argument("song")
@click.option("--json", "as_json", is_flag=True, help="Print the analysis as one JSON object.")
@click.option("--lyrics", "lyrics_path", default=None, type=click.Path())
def analyze(song: str, as_json: bool, lyrics_path: str | None) -> None:
    """Analyse SONG: tempo, beats, downbeats, sections, energy, vocals, mood."""
    from mvagent.audio import analyze as run_analysis
    from mvagent.ingest import ingest_file

    checked = ingest_file(song, lyrics_path=lyrics_path)
    analysis = run_analysis(checked.path, lyrics_path=checked.lyrics_path)
    if as_json:
        click.echo(analysis.model_dump_json())
        return
    click.echo(f"duration   {analysis.duration:.2f} s")
    click.echo(f"tempo      {analysis.tempo_bpm:.2f} BPM, {analysis.time_signature} beats per bar")
    click.echo(f"beats      {len(analysis.beats)}, bars {len(analysis.downbeats)}")
    click.echo(
        f"mood       valence {analysis.mood.valence:+.2f} arousal {analysis.mood.arousal:.2f}"
    )
    for s in analysis.sections:
        click.echo(f"  {s.start:7.2f} - {s.end:7.2f}  {s.label}")


@cli.command()
def providers() -> None:
    """The video models: lengths, sizes, image input, price, and whether keys are set."""
    from mvagent.providers.catalog import models_for, providers_info

    for name, info in providers_info().items():
        if info.env:
            found = info.credentials_present()
            needs = f"needs {info.block} Block or {' / '.join(info.env)}"
            state = "key set" if found else "no key in the environment"
        else:
            needs, state = "needs nothing", "ready"
        click.echo(f"{name}: {info.what}")
        click.echo(f"  {needs}; {state}")  # says whether a key is set, never what it is
        for m in models_for(name):
            sizes = ", ".join(f"{w}x{h}" for w, h in m.sizes)
            durations = ", ".join(f"{d:g}" for d in m.durations_s)
            image = (
                "image required"
                if m.image_required
                else ("image in" if m.image_input else "text only")
            )
            refs = f", {m.reference_images} refs" if m.reference_images else ""
            click.echo(
                f"  {'*' if m.default else ' '} {m.name}: {durations} s; {sizes}; {image}{refs}; "
                f"prompt <= {m.max_prompt_chars}; ${m.price_per_second_usd:.3f}/s "
                f"({m.price_source}, {m.price_date})"
            )


@cli.command()
@click.argument("timeline", type=click.Path())
@click.option(
    "--out",
    "out_file",
    default=None,
    type=click.Path(dir_okay=False),
    help="Default: final.mp4 beside TIMELINE.",
)
def render(timeline: str, out_file: str | None) -> None:
    """Render a (possibly hand-edited) timeline.json to a video."""
    from mvagent.editing import load_timeline, render_timeline

    path = Path(timeline)
    tl = load_timeline(path)
    out = Path(out_file) if out_file else path.parent / "final.mp4"
    with _progress() as show:
        show("render", 0.0, "")
        render_timeline(
            tl, base_dir=path.parent, out=out, on_progress=lambda f: show("render", f, "")
        )
    click.echo(str(out))


@cli.command()
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--scene", "scene", required=True, type=int, help="The scene number to make again.")
@click.option("--prompt", default=None, help="A new prompt for the scene (default: a new seed).")
@click.option("--provider", default=None, help="Default: the provider that made the scene.")
@click.option("--model", default="", help="Provider model name.")
@click.option("--max-cost", type=float, default=None, help="Stop before spending more (USD).")
def redo(
    out_dir: str,
    scene: int,
    prompt: str | None,
    provider: str | None,
    model: str,
    max_cost: float | None,
) -> None:
    """Make scene N of a finished video again and re-render (hand edits to timeline.json kept)."""
    from mvagent.decisions import DecisionLog
    from mvagent.errors import RedoError
    from mvagent.models import GenerationSettings
    from mvagent.providers.generation import Budget, capabilities_for, generate_clip
    from mvagent.review.redo import redo_scene, scene_provider

    base = Path(out_dir)
    if not (base / "timeline.json").is_file():
        raise RedoError(
            f"{base} has no timeline.json: pass the song's output folder, e.g. out/song"
        )
    settings = GenerationSettings(
        provider=provider or scene_provider(base, scene), model=model, max_cost_usd=max_cost
    )
    decisions = DecisionLog(base / "decisions.jsonl")
    budget = Budget(max_cost)

    def make(request):
        return generate_clip(request, settings=settings, clips_dir=base / "clips",
                             decisions=decisions, budget=budget)  # fmt: skip

    caps = capabilities_for(settings.provider, model=model or None)
    with _progress() as show:
        show("redo", 0.0, f"scene {scene}")
        result = redo_scene(base, scene=scene, prompt=prompt, make=make, capabilities=caps,
                            on_progress=lambda f: show("redo", f, "rendering"))  # fmt: skip
    click.echo(str(result.final))


def _add_ops_commands() -> None:
    from mvagent.cli_ops import automations, blocks, clean, doctor

    cli.add_command(automations)
    cli.add_command(doctor)
    cli.add_command(blocks)
    cli.add_command(clean)


_add_ops_commands()


def _add_suno_commands() -> None:
    from mvagent.cli_suno import callbacks, watch

    cli.add_command(watch)
    cli.add_command(callbacks)


_add_suno_commands()


def _progress():
    from mvagent.cli_display import StageDisplay

    return StageDisplay()


def main(argv: list[str] | None = None) -> None:
    # Prefect drains its event queue at exit and logs "Still processing items" while it waits;
    # that progress note would be a second line under a one-line error. Real failures (ERROR)
    # still show.
    logging.getLogger("EventsWorker").setLevel(logging.ERROR)
    try:
        cli.main(args=argv, prog_name="mvagent", standalone_mode=False)
    except click.exceptions.Abort:
        _fail("aborted", 130)
    except click.ClickException as exc:  # usage errors: one line, exit 2
        _fail(exc.format_message(), 2)
    except MvagentError as exc:
        _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted; finished files are kept, rerun to resume", 130)


if __name__ == "__main__":
    main()
