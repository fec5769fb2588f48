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
FORMAT_HELP = (
    "Force one input format for every file: listing, jsonl, json, csv, tsv, atom, "
    "arxiv-snapshot, bibtex (default: detected from extension and content)."
)
DEFAULT_CACHE = Path(".paperkg-cache") / "extract.sqlite"

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
    str, typer.Option("--engine", help="Where extraction runs: local (processes) or dask.")
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
    interrupt_reported = False


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


@app.command()
def build(
    sources: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or directories of papers (default: seeds/)."),
    ] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Output directory.")] = DEFAULT_GRAPHS,
    fmt: Annotated[
        str | None, typer.Option("--format", help=FORMAT_HELP)
    ] = None,
    cache: CacheOpt = DEFAULT_CACHE,
    no_cache: NoCacheOpt = False,
    jobs: JobsOpt = None,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    weight: Annotated[
        str, typer.Option("--weight", help="Paper-paper edge weight: count, idf or jaccard.")
    ] = "idf",
    min_shared: Annotated[
        int, typer.Option("--min-shared", min=1, help="Link papers sharing at least K entities.")
    ] = 1,
    max_df: Annotated[
        float,
        typer.Option("--max-df", help="Entities in more than this fraction of papers link nothing."),
    ] = 0.25,
    top_k: Annotated[
        int, typer.Option("--top-k", min=0, help="Keep each paper's K strongest links (0: all).")
    ] = 20,
    model: ModelOpt = "none",
) -> None:
    """Load papers, extract entities and write the graphs (GraphML, GEXF, HTML, tables)."""
    from paperkg.workflow import build_to_dir

    try:
        result = build_to_dir(
            [str(s) for s in (sources or [DEFAULT_SEEDS])],
            output,
            fmt=fmt,
            progress=_show_progress(),
            jobs=jobs,
            cache=None if no_cache else cache,
            engine=engine,  # type: ignore[arg-type]  # validated by paperkg._accel.parallel
            scheduler=scheduler,
            weight=weight,  # type: ignore[arg-type]  # validated by paperkg.graph
            min_shared=min_shared,
            max_df=max_df,
            top_k=top_k or None,
            model=_model(model),
        )
    except PaperKGError as error:
        raise _fail(error) from None
    except KeyboardInterrupt:
        raise _interrupted(f"no file written, {output} left as it was") from None
    for line in result.summary_lines():
        _info(line)


@app.command()
def extract(
    sources: Annotated[list[Path], typer.Argument(help="Files or directories of papers.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output JSON Lines file.")],
    fmt: Annotated[str | None, typer.Option("--format", help=FORMAT_HELP)] = None,
    cache: CacheOpt = DEFAULT_CACHE,
    no_cache: NoCacheOpt = False,
    jobs: JobsOpt = None,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    model: ModelOpt = "none",
) -> None:
    """Extract entities and write one JSON object per paper to a JSON Lines file."""
    from paperkg.workflow import extract_to_file

    try:
        result = extract_to_file(
            [str(s) for s in sources],
            output,
            fmt=fmt,
            progress=_show_progress(),
            jobs=jobs,
            cache=None if no_cache else cache,
            engine=engine,  # type: ignore[arg-type]  # validated by paperkg._accel.parallel
            scheduler=scheduler,
            model=_model(model),
        )
    except PaperKGError as error:
        raise _fail(error) from None
    except KeyboardInterrupt:
        raise _interrupted(f"{output} not written (a previous one is left as it was); "
                           "papers extracted so far are in the cache") from None
    for line in result.summary_lines():
        _info(line)


@app.command()
def train(
    papers: Annotated[
        list[Path],
        typer.Option("--papers", help="Papers (JSON Lines: id, title, abstract); repeatable."),
    ],
    gold: Annotated[
        list[Path],
        typer.Option("--gold", help="Their annotations (dev.jsonl format), one per --papers."),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Model file to write (.npz).")],
    folds: Annotated[int, typer.Option("--folds", min=2, help="Cross-validation folds.")] = 5,
) -> None:
    """Train the learned entity model on annotated papers (needs scikit-learn)."""
    from paperkg.errors import SourceError

    try:
        if len(papers) != len(gold):
            raise SourceError(f"{len(papers)} --papers files but {len(gold)} --gold files: "
                              "give one --gold per --papers")
        from paperkg.train import train as train_model

        report = train_model(list(zip(papers, gold, strict=True)), output, folds=folds)
    except PaperKGError as error:
        raise _fail(error) from None
    for line in report.lines():
        _info(line)
    _info(f"wrote {output}; use it with --model {output}")


# ---------------------------------------------------------------- query / stats

query_app = typer.Typer(
    name="query", help="Ask questions of a built graph.", no_args_is_help=True
)
app.add_typer(query_app, name="query")

DEFAULT_KG = DEFAULT_GRAPHS / "kg.graphml"
GraphOpt = Annotated[
    Path, typer.Option("-g", "--graph", help="Knowledge graph written by `paperkg build`.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
TypeOpt = Annotated[
    str | None, typer.Option("-t", "--type", help="Only this entity type (method/dataset/repo/math).")
]


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
        import json

        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
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


def _query(fn):
    """Run one query command; a PaperKGError becomes one line and an exit code."""
    try:
        fn()
    except PaperKGError as error:
        raise _fail(error) from None


@query_app.command("papers-with")
def query_papers_with(
    entity: Annotated[str, typer.Argument(help="Entity name, alias, acronym or id.")],
    graph: GraphOpt = DEFAULT_KG,
    as_json: JsonOpt = False,
) -> None:
    """Papers mentioning an entity (any alias or acronym, case-insensitive)."""
    from paperkg.query import paper_rows

    def run() -> None:
        rows = paper_rows(_load_kg(graph).papers_with(entity))
        _emit(rows, rows, ["id", "year", "title"], f"papers with {entity!r}", as_json)

    _query(run)


@query_app.command("related")
def query_related(
    paper: Annotated[str, typer.Argument(help="Paper id, title or unique part of a title.")],
    k: Annotated[int, typer.Option("-k", min=1, help="How many papers.")] = 10,
    graph: GraphOpt = DEFAULT_KG,
    as_json: JsonOpt = False,
) -> None:
    """The papers most strongly linked to a paper, with the entities they share."""
    from paperkg.query import related_rows

    def run() -> None:
        rows = related_rows(_load_kg(graph).related(paper, k=k))
        _emit(rows, rows, ["score", "id", "title", "shared"], f"related to {paper!r}", as_json)

    _query(run)


@query_app.command("why")
def query_why(
    paper_a: Annotated[str, typer.Argument(help="First paper (id or title).")],
    paper_b: Annotated[str, typer.Argument(help="Second paper (id or title).")],
    graph: GraphOpt = DEFAULT_KG,
    as_json: JsonOpt = False,
) -> None:
    """Why two papers are connected: shared entities, else the shortest chain."""
    from paperkg.query import why_record

    def run() -> None:
        rec = why_record(_load_kg(graph).why(paper_a, paper_b))
        if rec["shared"]:
            rows = [{"shared entity": n, "id": i} for n, i in zip(rec["shared"], rec["shared_ids"], strict=True)]
            cols, title = ["shared entity", "id"], "shared entities"
        else:
            rows = [{"step": i, "node": lab, "id": nid}
                    for i, (nid, lab) in enumerate(zip(rec["path"], rec["path_labels"], strict=True))]
            cols = ["step", "node", "id"]
            title = "no shared entity; shortest chain" if rows else "not connected"
        _emit(rec, rows, cols, f"{rec['paper_a']['title']} <-> {rec['paper_b']['title']}: {title}",
              as_json)

    _query(run)


@query_app.command("repos-for")
def query_repos_for(
    entity: Annotated[str, typer.Argument(help="Entity name, alias, acronym or id.")],
    graph: GraphOpt = DEFAULT_KG,
    as_json: JsonOpt = False,
) -> None:
    """GitHub repos of the papers mentioning an entity, the proposing paper first."""
    from paperkg.query import repo_rows

    def run() -> None:
        rows = repo_rows(_load_kg(graph).repos_for(entity))
        _emit(rows, rows, ["url", "proposing", "paper"], f"repos for {entity!r}", as_json)

    _query(run)


@query_app.command("entities-of")
def query_entities_of(
    paper: Annotated[str, typer.Argument(help="Paper id, title or unique part of a title.")],
    type: TypeOpt = None,
    graph: GraphOpt = DEFAULT_KG,
    as_json: JsonOpt = False,
) -> None:
    """The entities a paper mentions, in order of first appearance."""
    from paperkg.query import entity_rows

    def run() -> None:
        rows = entity_rows(_load_kg(graph).entities_of(paper, type=type))
        table = [dict(r, mention=(r["first_mention"] or {}).get("text")) for r in rows]
        _emit(rows, table, ["type", "name", "mention", "id"], f"entities of {paper!r}", as_json)

    _query(run)


@query_app.command("top")
def query_top(
    type: TypeOpt = None,
    n: Annotated[int, typer.Option("-n", min=1, help="How many entities.")] = 20,
    graph: GraphOpt = DEFAULT_KG,
    as_json: JsonOpt = False,
) -> None:
    """The entities mentioned by the most papers."""
    from paperkg.query import top_rows

    def run() -> None:
        rows = top_rows(_load_kg(graph).top_entities(type=type, n=n))
        _emit(rows, rows, ["df", "type", "name", "id"], f"top {type or 'entities'}", as_json)

    _query(run)


@query_app.command("communities")
def query_communities(
    graph: GraphOpt = DEFAULT_KG,
    as_json: JsonOpt = False,
) -> None:
    """Communities of the paper graph with their labels and sizes."""
    from paperkg.query import community_rows

    def run() -> None:
        rows = community_rows(_load_kg(graph).communities())
        _emit(rows, rows, ["id", "size", "label"], "communities", as_json)

    _query(run)


@app.command()
def stats(
    graph: GraphOpt = DEFAULT_KG,
    as_json: JsonOpt = False,
) -> None:
    """Counts by type, top entities per type, degree figures, communities."""

    def run() -> None:
        figures = _load_kg(graph).stats()
        if as_json:
            _emit(figures, [], [], "", True)
            return
        counts = [{"what": "papers", "n": figures["papers"]},
                  {"what": "entities", "n": figures["entities"]},
                  *({"what": f"  {t}", "n": n} for t, n in figures["entities_by_type"].items()),
                  {"what": "mentions (paper-entity edges)", "n": figures["mentions"]},
                  {"what": "paper-paper links", "n": figures["paper_links"]},
                  {"what": "papers without entities", "n": figures["papers_without_entities"]},
                  {"what": "papers without links", "n": figures["isolated_papers"]},
                  {"what": "paper graph components", "n": figures["components"]}]
        _emit(None, counts, ["what", "n"], f"{graph} ({_cell(figures['options'])})", False)
        deg = [dict(what=k.replace("_", " "), **v) for k, v in figures["degree"].items()]
        _emit(None, deg, ["what", "mean", "median", "max"], "degree", False)
        top = [{"type": t, "top entities (papers)": ", ".join(f"{e['name']} ({e['df']})" for e in es)}
               for t, es in figures["top_entities"].items()]
        _emit(None, top, ["type", "top entities (papers)"], "top entities per type", False)
        _emit(None, figures["communities"][:20], ["id", "size", "label"],
              f"communities ({len(figures['communities'])}, largest 20)", False)

    _query(run)


@app.command("eval")
def eval_(
    gold: Annotated[Path, typer.Argument(help="Gold annotations (JSON Lines, GUIDELINES.md).")],
    sources: Annotated[
        list[Path] | None, typer.Argument(help="Papers to extract and score (unless --pred).")
    ] = None,
    pred: Annotated[
        Path | None, typer.Option("--pred", help="Score this prediction file instead.")
    ] = None,
    errors: Annotated[bool, typer.Option("--errors", help="List each paper's misses and false hits.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    model: ModelOpt = "none",
) -> None:
    """Precision/recall/F1 per type, untyped and micro (the matching of the reference score.py)."""
    from paperkg.errors import SourceError
    from paperkg.evaluate import evaluate, format_report, read_gold, read_predictions

    try:
        if (pred is None) == (not sources):
            raise SourceError("give either --pred FILE or SOURCES to extract, not both/neither")
        gold_papers = read_gold(gold)
        if pred is not None:
            predictions = read_predictions(pred)
        else:
            from paperkg.workflow import extract_corpus, load_sources

            papers, _ = load_sources([str(s) for s in sources or []])
            predictions = extract_corpus(papers, progress=_show_progress(),
                                         model=_model(model)).results
        result = evaluate(gold_papers, predictions)
    except PaperKGError as error:
        raise _fail(error) from None
    out.print(result.model_dump_json() if as_json else format_report(result, errors=errors),
              markup=False)


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
