"""The ``tsunagu`` command: one small module per command, registered on one click group.

Settings are loaded here, once, from the config file, ``TSUNAGU_*`` variables and flags, and
passed down; nothing reads configuration at import time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tsunagu import __version__
from tsunagu.config import load_settings
from tsunagu.errors import TsunaguError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tsunagu")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (YAML); default: $TSUNAGU_CONFIG.",
)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Data dir.")
@click.option(
    "--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True, help="Messages."
)
@click.pass_context
def cli(ctx: click.Context, config_file: Path | None, data_dir: Path | None, lang: str) -> None:
    """Tsunagu (つなぐ): validate, convert and publish municipal open data."""
    try:
        settings = load_settings({"data_dir": data_dir}, config_file=config_file)
    except TsunaguError as exc:
        raise click.UsageError(exc.user_message) from exc
    ctx.obj = {"settings": settings, "lang": lang}


def _register() -> None:
    from tsunagu.cli import (
        audit_cmd,
        config_cmd,
        convert_cmd,
        describe_cmd,
        map_cmd,
        publish_cmd,
        report_cmd,
        schemas_cmd,
        serve_cmd,
        token_cmd,
        validate_cmd,
    )

    for module in (
        schemas_cmd,
        validate_cmd,
        map_cmd,
        convert_cmd,
        describe_cmd,
        publish_cmd,
        config_cmd,
        serve_cmd,
        token_cmd,
        audit_cmd,
        report_cmd,
    ):
        cli.add_command(module.command)


_register()


def main() -> None:
    try:
        cli.main(prog_name="tsunagu", standalone_mode=True)
    except TsunaguError as exc:  # a fault the commands did not turn into an exit code
        click.echo(exc.user_message, err=True)
        sys.exit(2)
