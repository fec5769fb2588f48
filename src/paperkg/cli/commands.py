"""The top-level commands: ``build``, ``extract``, ``train``, ``stats`` and ``eval``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from paperkg.cli._common import (
    DEFAULT_CACHE,
    DEFAULT_GRAPHS,
    DEFAULT_KG,
    DEFAULT_SEEDS,
    OUTPUT_FORMATS,
    CacheOpt,
    Engine,
    EngineOpt,
    FormatOpt,
    GraphOpt,
    JobsOpt,
    JsonOpt,
    ModelOpt,
    NoCacheOpt,
    SchedulerOpt,
    Weight,
    _cell,
    _emit,
    _fail,
    _fraction,
    _info,
    _interrupted,
    _load_kg,
    _model,
    _output_formats,
    _progress,
    _query,
    _show_progress,
    _value,
    app,
    out,
)
from paperkg.errors import PaperKGError

__all__ = ["build", "eval_", "extract", "stats", "train"]

OutputFormatsOpt = Annotated[
    str | None,
    typer.Option("--formats", metavar="LIST", callback=_output_formats,
                 help="Write only these, comma-separated: "
                 f"{','.join(OUTPUT_FORMATS)} (default: all; csv adds neo4j.cypher, "
                 "store is the query store kg.sqlite)."),
]


@app.command()
def build(
    sources: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or directories of papers (default: seeds/)."),
    ] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Output directory.")] = DEFAULT_GRAPHS,
    fmt: FormatOpt = None,
    cache: CacheOpt = DEFAULT_CACHE,
    no_cache: NoCacheOpt = False,
    jobs: JobsOpt = None,
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    weight: Annotated[Weight, typer.Option("--weight", help="Paper-paper edge weight.")] = Weight.idf,
    min_shared: Annotated[
        int, typer.Option("--min-shared", min=1, help="Link papers sharing at least K entities.")
    ] = 1,
    max_df: Annotated[
        float,
        typer.Option("--max-df", callback=_fraction, metavar="(0,1]",
                     help="Entities in more than this fraction of papers link nothing."),
    ] = 0.25,
    top_k: Annotated[
        int, typer.Option("--top-k", min=0, help="Keep each paper's K strongest links (0: all).")
    ] = 20,
    model: ModelOpt = "none",
    thesaurus: Annotated[
        Path | None,
        typer.Option("--thesaurus", help="Corrections: TSV 'label<TAB>replace by[<TAB>type]' "
                     "(VOSviewer's format); an empty 'replace by' removes the term."),
    ] = None,
    vocab: Annotated[
        Path | None,
        typer.Option("--vocab", help="Your own terms: TSV 'name<TAB>type[<TAB>aliases]', found "
                     "like the shipped vocabularies (changes extraction: cached papers re-extract)."),
    ] = None,
    min_papers_per_type: Annotated[
        str | None,
        typer.Option("--min-papers-per-type", help="e.g. method=2,math=3: rarer entities stay "
                     "in the graph but link no papers and are left off the map."),
    ] = None,
    formats: OutputFormatsOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as one JSON object on stdout.")
    ] = False,
) -> None:
    """Load papers, extract entities and write the graphs (GraphML, GEXF, HTML, tables)."""
    from paperkg.workflow import build_to_dir

    sources = sources or [DEFAULT_SEEDS]
    try:
        result = build_to_dir(
            [str(s) for s in sources],
            output,
            fmt=_value(fmt),
            progress=_progress(sources, fmt),
            jobs=jobs,
            cache=None if no_cache else cache,
            engine=engine.value,  # type: ignore[arg-type]
            scheduler=scheduler,
            weight=weight.value,  # type: ignore[arg-type]
            min_shared=min_shared,
            max_df=max_df,
            top_k=top_k or None,
            model=_model(model),
            thesaurus=thesaurus,
            vocab=vocab,
            min_papers_per_type=min_papers_per_type,
            formats=formats,  # type: ignore[arg-type]  # made a list by _output_formats
        )
    except PaperKGError as error:
        raise _fail(error) from None
    except KeyboardInterrupt:
        raise _interrupted(f"no file written, {output} left as it was") from None
    _print_summary(result, as_json)


def _print_summary(result, as_json: bool = False) -> None:
    """The summary of a build or an extraction: its lines on stderr (unless ``-q``), or
    with ``as_json`` (``build --json``) one JSON object on stdout."""
    if as_json:
        typer.echo(json.dumps(_summary_record(result), ensure_ascii=False))
        return
    for line in result.summary_lines():
        _info(line)


def _summary_record(result) -> dict:
    """``build --json``: the summary lines' figures as one JSON object."""
    return {
        "load": result.report.model_dump(mode="json", exclude={"warnings"}),
        "warnings": len(result.report.warnings),
        "papers": result.n_papers,
        "entities": result.n_entities,
        "extracted": result.n_extracted,
        "reused": result.n_reused,
        "seconds": round(result.seconds, 2),
        "graph": result.graph,
        "outputs": [str(path) for path in result.outputs],
    }


@app.command()
def extract(
    sources: Annotated[list[Path], typer.Argument(help="Files or directories of papers.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output JSON Lines file.")],
    fmt: FormatOpt = None,
    cache: CacheOpt = DEFAULT_CACHE,
    no_cache: NoCacheOpt = False,
    jobs: JobsOpt = None,
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    model: ModelOpt = "none",
) -> None:
    """Extract entities and write one JSON object per paper to a JSON Lines file."""
    from paperkg.workflow import extract_to_file

    try:
        result = extract_to_file(
            [str(s) for s in sources],
            output,
            fmt=_value(fmt),
            progress=_progress(sources, fmt),
            jobs=jobs,
            cache=None if no_cache else cache,
            engine=engine.value,  # type: ignore[arg-type]
            scheduler=scheduler,
            model=_model(model),
        )
    except PaperKGError as error:
        raise _fail(error) from None
    except KeyboardInterrupt:
        raise _interrupted(f"{output} not written (a previous one is left as it was); "
                           "papers extracted so far are in the cache") from None
    _print_summary(result)


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
    fit_papers: Annotated[
        list[Path] | None,
        typer.Option("--fit-papers", help="Papers fitted on but not scored when choosing "
                     "C and the threshold (e.g. sets hand rules were tuned on); repeatable."),
    ] = None,
    fit_gold: Annotated[
        list[Path] | None,
        typer.Option("--fit-gold", help="Their annotations, one per --fit-papers."),
    ] = None,
    folds: Annotated[int, typer.Option("--folds", min=2, help="Cross-validation folds.")] = 5,
    c_values: Annotated[
        list[float] | None,
        typer.Option("--c", min=1e-6, help="Regularisation strength(s) to choose from by "
                     "cross-validation; repeatable (default 0.5 and 1)."),
    ] = None,
) -> None:
    """Train the learned entity model on annotated papers (needs scikit-learn)."""
    from paperkg.errors import SourceError

    try:
        for opt, gold_opt, left, right in (
                ("--papers", "--gold", papers, gold),
                ("--fit-papers", "--fit-gold", fit_papers or [], fit_gold or [])):
            if len(left) != len(right):
                raise SourceError(f"{len(left)} {opt} files but {len(right)} {gold_opt} "
                                  f"files: give one {gold_opt} per {opt}")
        from paperkg.train import DEFAULT_C
        from paperkg.train import train as train_model

        report = train_model(list(zip(papers, gold, strict=True)), output,
                             fit_only=list(zip(fit_papers or [], fit_gold or [], strict=True)),
                             c_values=tuple(c_values or DEFAULT_C), folds=folds)
    except PaperKGError as error:
        raise _fail(error) from None
    for line in report.lines():
        _info(line)
    _info(f"wrote {output}; use it with --model {output}")


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
