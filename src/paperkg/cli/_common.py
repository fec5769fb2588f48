"""What the commands share: the ``app``, the consoles, the run's :class:`State`, the
option types and their parsers, error and progress reporting, and the tables and JSON
the query commands and ``stats`` print."""

from __future__ import annotations

import json
import logging
import sys
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from paperkg.errors import PaperKGError

__all__ = [
    "DEFAULT_CACHE", "DEFAULT_GRAPHS", "DEFAULT_KG", "DEFAULT_SEEDS", "OUTPUT_FORMATS",
    "PLAIN_TABLE_ROWS", "CacheOpt", "Engine", "EngineOpt", "EntityType", "FormatOpt",
    "GraphOpt", "InputFormat", "JobsOpt", "JsonOpt", "ModelOpt", "NoCacheOpt",
    "SchedulerOpt", "State", "TypeOpt", "Weight", "app", "err", "out",
    "_cell", "_count_records", "_emit", "_fail", "_fraction", "_info", "_interrupted",
    "_load_kg", "_model", "_output_formats", "_progress", "_query", "_setup_logging",
    "_show_progress", "_value",
]

app = typer.Typer(
    name="paperkg",
    help="Turn research paper abstracts into an explorable knowledge graph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)
log = logging.getLogger("paperkg")

DEFAULT_SEEDS = Path("seeds")
DEFAULT_GRAPHS = Path("graphs")
DEFAULT_CACHE = Path(".paperkg-cache") / "extract.sqlite"


# Choices are Enums so that --help lists them and a bad value is a usage error (exit 2)
# that names the valid ones.
class InputFormat(StrEnum):
    """The readers of :data:`paperkg.load.FORMATS`."""

    listing = "listing"
    jsonl = "jsonl"
    json = "json"
    csv = "csv"
    tsv = "tsv"
    atom = "atom"
    arxiv_snapshot = "arxiv-snapshot"
    bibtex = "bibtex"


class Weight(StrEnum):
    count = "count"
    idf = "idf"
    jaccard = "jaccard"


class Engine(StrEnum):
    local = "local"
    dask = "dask"


class EntityType(StrEnum):
    method = "method"
    dataset = "dataset"
    repo = "repo"
    math = "math"


#: What `build --formats` accepts (paperkg.export.FORMATS, listed here so that the
#: command line starts without importing the exporters).
OUTPUT_FORMATS = ("graphml", "gexf", "json", "csv", "html", "store")

FormatOpt = Annotated[
    InputFormat | None,
    typer.Option("--format", help="Force one input format for every file (default: "
                 "detected from extension and content)."),
]

# Options shared by `build` and `extract` (streaming, cache, parallel extraction).
CacheOpt = Annotated[
    Path,
    typer.Option(
        "--cache",
        envvar="PAPERKG_CACHE",
        help="SQLite extraction cache; re-runs only extract new or changed papers.",
    ),
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")]
JobsOpt = Annotated[
    int | None,
    typer.Option("-j", "--jobs", min=1, help="Extraction processes (default: all cores)."),
]
EngineOpt = Annotated[
    Engine, typer.Option("--engine", help="Where extraction runs: processes here, or Dask.")
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786 (implies dask)."),
]
ModelOpt = Annotated[
    str,
    typer.Option(
        "--model",
        help="Entity model: 'none' (the rules alone, fastest), 'shipped' (the learned model "
        "that comes with paperkg: about 10 points of F1 more, a third slower) or a file "
        "from `paperkg train`.",
    ),
]


def _model(value: str) -> str | None:
    return None if value.lower() == "none" else value


def _value(choice: Enum | None) -> str | None:
    return None if choice is None else choice.value


def _fraction(value: float) -> float:
    if not 0 < value <= 1:
        raise typer.BadParameter(f"{value} is not a fraction in (0, 1]")
    return value


def _output_formats(value: str | None) -> list[str] | None:
    """``--formats graphml,csv`` -> ``["graphml", "csv"]``; a bad name is a usage error."""
    if value is None:
        return None
    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    for name in names or [""]:
        if name not in OUTPUT_FORMATS:
            raise typer.BadParameter(f"{name!r} is not one of {', '.join(OUTPUT_FORMATS)}")
    if "store" in names and "graphml" not in names:
        raise typer.BadParameter("store (the query store) belongs to the GraphML files: "
                                 "add graphml")
    return names


def _count_records(sources: list[Path], fmt: InputFormat | None) -> int | None:
    """The number of records in JSON Lines sources (one per non-empty line; counted in
    about 0.1 s per 100 MB), for a progress bar with a total; ``None`` when any source
    is another format, a directory or compressed."""
    total = 0
    for source in sources:
        jsonl = fmt in (InputFormat.jsonl, InputFormat.arxiv_snapshot) or (
            fmt is None and source.suffix.lower() in (".jsonl", ".ndjson"))
        if not (jsonl and source.is_file()):
            return None
        try:
            with source.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    total += block.count(b"\n")
                if fh.tell() and not _ends_with_newline(fh):
                    total += 1
        except OSError:
            return None
    return total


def _ends_with_newline(fh) -> bool:
    fh.seek(-1, 2)
    return fh.read(1) == b"\n"


def _progress(sources: list[Path], fmt: InputFormat | None) -> bool | int:
    """What ``progress=`` the workflow gets: off, on, or on with the expected total."""
    if not _show_progress():
        return False
    return _count_records(sources, fmt) or True


class _LineHandler(logging.Handler):
    """Print each library warning as one plain line on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        level = record.levelname.lower()
        err.print(f"{level}: {record.getMessage()}", markup=False)


class _StageHandler(logging.Handler):
    """Print each stage line of a build as it is, on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        err.print(record.getMessage(), markup=False)


def _setup_logging(quiet: bool, verbose: bool) -> None:
    log.handlers[:] = [_LineHandler()]
    log.propagate = False
    log.setLevel(logging.ERROR if quiet else logging.DEBUG if verbose else logging.WARNING)
    stage = logging.getLogger("paperkg.stage")
    stage.handlers[:] = [_StageHandler()]
    stage.propagate = False
    stage.setLevel(logging.WARNING if quiet else logging.INFO)


class State:
    quiet = False
    verbose = False
    interrupt_reported = False


def _fail(error: PaperKGError) -> typer.Exit:
    err.print(f"error: {error}", markup=False)
    return typer.Exit(code=error.exit_code)


def _interrupted(what: str) -> typer.Exit:
    """Ctrl-C: one line saying what was (not) done, exit code 130 (typer's own handling
    exits 130 without a word)."""
    err.print(f"error: interrupted; {what}", markup=False)
    State.interrupt_reported = True
    return typer.Exit(code=130)


def _info(message: str) -> None:
    if not State.quiet:
        err.print(message, markup=False)


def _show_progress() -> bool:
    return not State.quiet and sys.stderr.isatty()


# ---------------------------------------------------------------- shared by query and stats

DEFAULT_KG = DEFAULT_GRAPHS / "kg.graphml"
GraphOpt = Annotated[
    Path, typer.Option("-g", "--graph", help="Knowledge graph written by `paperkg build`.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
TypeOpt = Annotated[EntityType | None, typer.Option("-t", "--type", help="Only this entity type.")]


def _load_kg(path: Path):
    from paperkg.kg import KnowledgeGraph

    return KnowledgeGraph.load(path)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _emit(payload: object, rows: list[dict], columns: list[str], title: str, as_json: bool) -> None:
    """Print ``payload`` as JSON, or ``rows`` as a rich table of ``columns``."""
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if len(rows) > PLAIN_TABLE_ROWS:
        _plain_table(rows, columns, title)
        return
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for col in columns:
        table.add_column(col, overflow="fold",
                         no_wrap=col in ("id", "score", "df", "size", "year", "url"))
    for row in rows:
        table.add_row(*(_cell(row.get(col)) for col in columns))
    out.print(table)
    if not rows:
        out.print("(no results)")


#: Above this many rows a table is printed as plain aligned columns: rich lays out
#: about 3,500 rows a second, so 10,000 rows would take 3 s.
PLAIN_TABLE_ROWS = 1000


def _plain_table(rows: list[dict], columns: list[str], title: str) -> None:
    """``rows`` as a title line, a header and one line per row, columns padded to their
    widest cell (the last one not), cells on one line. O(cells)."""
    cells = [[_cell(row.get(col)).replace("\n", " ") for col in columns] for row in rows]
    widths = [max(len(col), *(len(line[k]) for line in cells)) for k, col in enumerate(columns)]

    def line(values: list[str]) -> str:
        head = [v.ljust(w) for v, w in zip(values[:-1], widths, strict=False)]
        return "  ".join([*head, values[-1]]).rstrip()

    text = [title, line(columns), line(["-" * w for w in widths]), *map(line, cells)]
    typer.echo("\n".join(text))


def _query(fn):
    """Run one query command; a PaperKGError becomes one line and an exit code."""
    try:
        fn()
    except PaperKGError as error:
        raise _fail(error) from None
