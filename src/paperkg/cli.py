"""The ``paperkg`` command line: parse arguments, call the library, report.

Thin by design: every command delegates to a library function and turns a
:class:`~paperkg.errors.PaperKGError` into a one-line message and a non-zero exit.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from paperkg._version import __version__
from paperkg.errors import PaperKGError

__all__ = ["app", "main"]

app = typer.Typer(
    name="paperkg",
    help="Turn research paper abstracts into an explorable knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)
log = logging.getLogger("paperkg")

DEFAULT_SEEDS = Path("seeds")
DEFAULT_GRAPHS = Path("graphs")


class _LineHandler(logging.Handler):
    """Print each library warning as one plain line on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        level = record.levelname.lower()
        err.print(f"{level}: {record.getMessage()}", markup=False)


def _setup_logging(quiet: bool, verbose: bool) -> None:
    log.handlers[:] = [_LineHandler()]
    log.propagate = False
    log.setLevel(logging.ERROR if quiet else logging.DEBUG if verbose else logging.WARNING)


def _version(value: bool) -> None:
    if value:
        out.print(f"paperkg {__version__}")
        raise typer.Exit()


class State:
    quiet = False
    verbose = False


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Only errors.")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="More detail.")] = False,
) -> None:
    State.quiet, State.verbose = quiet, verbose
    _setup_logging(quiet, verbose)


def _fail(error: PaperKGError) -> typer.Exit:
    err.print(f"error: {error}", markup=False)
    return typer.Exit(code=error.exit_code)


def _info(message: str) -> None:
    if not State.quiet:
        err.print(message, markup=False)


def _show_progress() -> bool:
    return not State.quiet and sys.stderr.isatty()


@app.command()
def build(
    sources: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or directories of papers (default: seeds/)."),
    ] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Output directory.")] = DEFAULT_GRAPHS,
    fmt: Annotated[
        str | None, typer.Option("--format", help="Force one input format (see `paperkg formats`).")
    ] = None,
) -> None:
    """Load papers, extract entities and write the graphs (GraphML, GEXF, HTML, tables)."""
    from paperkg.workflow import build_to_dir

    try:
        result = build_to_dir(
            [str(s) for s in (sources or [DEFAULT_SEEDS])],
            output,
            fmt=fmt,
            progress=_show_progress(),
        )
    except PaperKGError as error:
        raise _fail(error) from None
    for line in result.summary_lines():
        _info(line)


@app.command()
def extract(
    sources: Annotated[list[Path], typer.Argument(help="Files or directories of papers.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output JSON Lines file.")],
    fmt: Annotated[str | None, typer.Option("--format", help="Force one input format.")] = None,
) -> None:
    """Extract entities and write one JSON object per paper to a JSON Lines file."""
    from paperkg.workflow import extract_to_file

    try:
        result = extract_to_file([str(s) for s in sources], output, fmt=fmt, progress=_show_progress())
    except PaperKGError as error:
        raise _fail(error) from None
    for line in result.summary_lines():
        _info(line)


def main() -> None:
    """Console-script entry point; never lets a traceback reach the user."""
    try:
        app()
    except PaperKGError as error:  # pragma: no cover - commands catch their own
        err.print(f"error: {error}", markup=False)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        sys.exit(130)
