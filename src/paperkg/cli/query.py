"""``paperkg query ...``: the questions a built graph answers, as tables or JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from paperkg.cli._common import (
    DEFAULT_KG,
    GraphOpt,
    JsonOpt,
    TypeOpt,
    _emit,
    _info,
    _load_kg,
    _query,
    _value,
    app,
)

__all__ = [
    "query_app", "query_communities", "query_entities_of", "query_papers_with",
    "query_related", "query_repos_for", "query_suggest_merges", "query_top", "query_why",
]

query_app = typer.Typer(
    name="query", help="Ask questions of a built graph.", no_args_is_help=True
)
app.add_typer(query_app, name="query")


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
        rows = entity_rows(_load_kg(graph).entities_of(paper, type=_value(type)))
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
        rows = top_rows(_load_kg(graph).top_entities(type=_value(type), n=n))
        _emit(rows, rows, ["df", "type", "name", "id"], f"top {_value(type) or 'entities'}",
              as_json)

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


@query_app.command("suggest-merges")
def query_suggest_merges(
    n: Annotated[int, typer.Option("-n", min=1, help="How many pairs.")] = 50,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the thesaurus here (default: print it)."),
    ] = None,
    graph: GraphOpt = DEFAULT_KG,
    as_json: JsonOpt = False,
) -> None:
    """Candidate synonyms, as a thesaurus to edit and pass to `build --thesaurus`."""
    from paperkg.merges import suggest_merges, write_suggestions

    def run() -> None:
        found = suggest_merges(_load_kg(graph).graph, n=n)
        if as_json:
            from dataclasses import asdict

            _emit([asdict(s) for s in found], [], [], "", True)
        elif output is None:
            write_suggestions(found, sys.stdout)
        else:
            try:
                write_suggestions(found, output)
            except OSError as error:
                from paperkg.errors import ExportError

                raise ExportError(f"cannot write {output}: {error.strerror or error}") from None
            _info(f"{len(found)} candidate pairs; wrote {output} (edit it, then "
                  f"paperkg build --thesaurus {output})")

    _query(run)
