"""The ``paperkg`` command line: parse arguments, call the library, report.

Thin by design: every command delegates to a library function and turns a
:class:`~paperkg.errors.PaperKGError` into a one-line message and a non-zero exit.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from paperkg._version import __version__

# The app and what the commands share live in _common, which the command modules import;
# importing those modules here registers their commands on the app (this package imports
# its submodules, never the other way round). The ``name as name`` imports keep
# ``paperkg.cli._emit`` and the like importable, as before the split.
from paperkg.cli._common import PLAIN_TABLE_ROWS as PLAIN_TABLE_ROWS
from paperkg.cli._common import InputFormat, State, _setup_logging, app, err, out
from paperkg.cli._common import _count_records as _count_records
from paperkg.cli._common import _emit as _emit
from paperkg.cli.commands import build, eval_, extract, stats, train
from paperkg.cli.query import query_app
from paperkg.errors import PaperKGError

__all__ = [
    "InputFormat", "app", "build", "eval_", "extract", "hoist_global_flags", "main",
    "query_app", "stats", "train",
]


def _version(value: bool) -> None:
    if value:
        out.print(f"paperkg {__version__}")
        raise typer.Exit()


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


_GLOBAL_FLAGS = frozenset({"-q", "--quiet", "-v", "--verbose"})


def hoist_global_flags(argv: list[str]) -> list[str]:
    """``paperkg extract -q x.jsonl`` -> ``paperkg -q extract x.jsonl``: the global
    flags take no value, so they may be written anywhere before a ``--``."""
    end = argv.index("--") if "--" in argv else len(argv)
    flags = [a for a in argv[:end] if a in _GLOBAL_FLAGS]
    rest = [a for a in argv[:end] if a not in _GLOBAL_FLAGS]
    return flags + rest + argv[end:]


def _click_exceptions():
    try:  # typer vendors click from 0.2x on
        from typer._click import exceptions
    except ImportError:  # pragma: no cover - older typer on the real click
        from click import exceptions
    return exceptions


def main() -> None:
    """Console-script entry point; never lets a traceback reach the user.

    Usage errors (a missing argument, a bad option value, a path click refuses) are one
    line too, ``error: ...`` with exit code 2, instead of click's framed panel."""
    exceptions = _click_exceptions()
    try:
        code = app(args=hoist_global_flags(sys.argv[1:]), prog_name="paperkg",
                   standalone_mode=False)
    except exceptions.NoArgsIsHelpError:
        sys.exit(2)  # the help has been printed
    except exceptions.ClickException as error:
        hint = " (see --help)" if isinstance(error, exceptions.UsageError) else ""
        err.print(f"error: {error.format_message()}{hint}", markup=False)
        sys.exit(error.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("error: interrupted", markup=False)
        sys.exit(130)
    except PaperKGError as error:  # pragma: no cover - commands catch their own
        err.print(f"error: {error}", markup=False)
        sys.exit(error.exit_code)
    except Exception as error:  # a bug: still one line (the traceback with -v)
        if State.verbose:
            import traceback

            traceback.print_exc()
        err.print(f"error: unexpected {type(error).__name__}: {error} (a bug in paperkg; "
                  "run with -v for the traceback)", markup=False)
        sys.exit(1)
    if code == 130 and not State.interrupt_reported:  # typer's silent Ctrl-C exit
        err.print("error: interrupted", markup=False)
    sys.exit(code if isinstance(code, int) else 0)
