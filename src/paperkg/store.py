"""The query store: an indexed SQLite file beside ``kg.graphml`` that answers queries at once.

``paperkg build`` writes ``kg.sqlite`` next to ``kg.graphml``. It holds what
:func:`paperkg.export.graphml.read_graphml` would give back for the two GraphML files
(node and edge attributes as JSON, in file order) plus the indexes the queries look
things up by: node id, paper title and :func:`~paperkg.text.title_key`, entity
:func:`~paperkg.text.match_key` of every name and alias, entity type and document
frequency, and the edges of both graphs by either end.

:meth:`paperkg.kg.KnowledgeGraph.load` returns a :class:`StoredKnowledgeGraph` when a
valid store is there. Its queries resolve names through the indexes, read the few nodes
and edges the answer depends on into a small :class:`~paperkg.kg.KnowledgeGraph`, and
ask that graph the same question, so an answer is the one the GraphML files give
(``tests/test_store.py`` compares every query on the seed graph). Anything else
(``.graph``, ``.paper_graph``, ``stats()``, ``subgraph()``, ``save()``) reads the GraphML
files once, as :meth:`~paperkg.kg.KnowledgeGraph.load` does without a store.

The store records the size, modification time and a sampled content fingerprint of
both GraphML files and the paperkg version that wrote it; when any differs it is not
used (one line says so) and queries read the GraphML files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import networkx as nx

from paperkg._version import __version__
from paperkg.errors import ExportError
from paperkg.kg import (
    Community,
    EntityCount,
    KnowledgeGraph,
    Related,
    RepoLink,
    Why,
    paper_graph_path,
)
from paperkg.models import ENTITY_TYPES, Entity, Paper
from paperkg.text import match_key, title_key

__all__ = ["STORE_FORMAT", "store_path", "write_store", "open_store", "StoredKnowledgeGraph"]

log = logging.getLogger("paperkg")

#: Version of the table layout; a store of another version is not used.
STORE_FORMAT = 1
_PAPER_PREFIX = "paper:"
#: Bytes read at each of the fingerprint's sample points.
_SAMPLE = 1 << 16
_SAMPLES = 16

#: ``(column, attribute)`` pairs that small graphs over every paper are made of.
_TITLES = (("kind", "kind"), ("title", "title"), ("label", "label"), ("pid", "id"))
_COMMUNITIES = (("kind", "kind"), ("community", "community"), ("pid", "id"))

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE node (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT, type TEXT,
    df INTEGER NOT NULL, name TEXT, label, title TEXT, title_key TEXT, community, pid,
    in_papers INTEGER NOT NULL, attrs TEXT NOT NULL);
CREATE TABLE name_key (key TEXT NOT NULL, node INTEGER NOT NULL, alias INTEGER NOT NULL);
CREATE TABLE edge (seq INTEGER PRIMARY KEY, u INTEGER NOT NULL, v INTEGER NOT NULL,
                   attrs TEXT NOT NULL);
CREATE TABLE link (u INTEGER NOT NULL, v INTEGER NOT NULL, attrs TEXT NOT NULL);
"""
_INDEXES = """
CREATE INDEX node_title ON node (kind, title);
CREATE INDEX node_title_key ON node (kind, title_key);
CREATE INDEX node_top ON node (kind, df DESC, name, id);
CREATE INDEX node_top_type ON node (kind, type, df DESC, name, id);
CREATE INDEX name_key_key ON name_key (key, alias);
CREATE INDEX edge_u ON edge (u, seq);
CREATE INDEX edge_v ON edge (v, seq);
CREATE INDEX link_u ON link (u);
CREATE INDEX link_v ON link (v);
"""


def store_path(graph_path: str | Path) -> Path:
    """Where the store of a knowledge graph file lives: ``kg.graphml`` -> ``kg.sqlite``."""
    return Path(graph_path).with_suffix(".sqlite")


def fingerprint(path: Path) -> dict[str, Any]:
    """Size, modification time (ns) and a BLAKE2 digest of 16 evenly spaced 64 KiB
    samples of ``path`` (head and tail included): cheap to check on every load (about
    1 MiB read). Any write changes the time; a file put back with its old time and size
    still shows when the change touches a sample."""
    stat = path.stat()
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as fh:
        step = max((stat.st_size - _SAMPLE) // (_SAMPLES - 1), 1)
        for k in range(_SAMPLES):
            fh.seek(min(k * step, max(stat.st_size - _SAMPLE, 0)))
            digest.update(fh.read(_SAMPLE))
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "digest": digest.hexdigest()}


# --------------------------------------------------------------------------- writing


def write_store(kg: Any, path: str | Path, *, graph_file: str | Path,
                paper_graph_file: str | Path) -> Path:
    """Write the query store of ``kg`` to ``path`` for the GraphML files it was saved to.

    ``kg`` is a :class:`~paperkg.kg.KnowledgeGraph` or anything with ``.graph`` and
    ``.paper_graph``.
    ``graph_file`` and ``paper_graph_file`` must already hold ``kg.graph`` and its paper
    graph as :func:`~paperkg.export.graphml.write_graphml` wrote them: the store records
    their fingerprints and holds the attributes those files read back as. O(n + m).

    Raises
    ------
    paperkg.errors.ExportError
        The file cannot be written.
    """
    from paperkg.export.graphml import readback_graph_attrs, readback_records

    path = Path(path)
    graph = kg.graph
    papers = getattr(kg, "paper_graph_view", None)
    if papers is None:  # any object with .graph and .paper_graph (export_all's protocol)
        papers = kg.paper_graph
    ids = list(graph.nodes)
    seq = {node: k for k, node in enumerate(ids)}
    records = readback_records((graph.nodes[n] for n in ids), ids)
    in_papers = set(papers)
    meta = {
        "format": STORE_FORMAT,
        "version": __version__,
        "graph_file": fingerprint(Path(graph_file)),
        "paper_graph_file": fingerprint(Path(paper_graph_file)),
        "graph": readback_graph_attrs(graph.graph),
        "paper_graph": readback_graph_attrs(papers.graph),
    }
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        con = sqlite3.connect(partial)
        try:
            con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
            con.executemany("INSERT INTO meta VALUES (?, ?)",
                            [(k, json.dumps(v, ensure_ascii=False)) for k, v in meta.items()])
            con.executemany("INSERT INTO node VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                            _node_rows(ids, records, in_papers))
            con.executemany("INSERT INTO name_key VALUES (?,?,?)", _key_rows(ids, records))
            edges = graph.edges
            con.executemany("INSERT INTO edge VALUES (?,?,?,?)", (
                (k, seq[u], seq[v], _dumps(d))
                for k, ((u, v), d) in enumerate(zip(edges(), readback_records(
                    d for *_, d in edges(data=True)), strict=True))))
            links = papers.edges
            con.executemany("INSERT INTO link VALUES (?,?,?)", (
                (seq[u], seq[v], _dumps(d))
                for (u, v), d in zip(links(), readback_records(
                    d for *_, d in links(data=True)), strict=True)))
            con.executescript(_INDEXES)
            con.commit()
        finally:
            con.close()
        os.replace(partial, path)
    except (OSError, sqlite3.Error) as error:
        partial.unlink(missing_ok=True)
        raise ExportError(f"cannot write {path}: {getattr(error, 'strerror', None) or error}"
                          ) from error
    return path


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _node_rows(ids: list[str], records: Iterable[dict[str, Any]],
               in_papers: set[str]) -> Iterator[tuple]:
    for k, (node, data) in enumerate(zip(ids, records, strict=True)):
        kind = data.get("kind")
        title = str(data.get("title", "")) if kind == "paper" else None
        yield (k, node, kind, data.get("type"), _df(data), str(data.get("name")),
               data.get("label"), title,
               title_key(title) if title is not None else None, data.get("community"),
               data.get("id"), int(node in in_papers), _dumps(data))


def _df(data: Mapping[str, Any]) -> int:
    try:
        return int(data.get("df", 0))
    except (TypeError, ValueError):
        return 0


def _key_rows(ids: list[str], records: Iterable[dict[str, Any]]) -> Iterator[tuple]:
    """``(match_key, node, 0)`` for each entity's name and ``(..., 1)`` for each alias:
    the keys :class:`~paperkg.kg.KnowledgeGraph` looks entities up by."""
    from paperkg.kg import _as_list

    for k, data in enumerate(records):
        if data.get("kind") != "entity":
            continue
        yield (match_key(str(data.get("name", ids[k]))), k, 0)
        for alias in _as_list(data.get("aliases")):
            yield (match_key(str(alias)), k, 1)


# --------------------------------------------------------------------------- reading


def open_store(graph_path: str | Path) -> StoredKnowledgeGraph | None:
    """The store of ``graph_path`` as a :class:`StoredKnowledgeGraph`, or ``None`` when
    there is none or it does not belong to the GraphML files as they are now (then one
    line says why, and the caller reads the GraphML)."""
    graph_path = Path(graph_path)
    path = store_path(graph_path)
    if not path.is_file():
        return None
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        meta = {k: json.loads(v) for k, v in con.execute("SELECT key, value FROM meta")}
    except (sqlite3.Error, ValueError, OSError) as error:
        log.warning("%s: unreadable query store (%s); reading the GraphML instead", path, error)
        return None
    reason = _stale(meta, graph_path)
    if reason:
        con.close()
        log.warning("%s: %s; reading the GraphML instead (rebuild to refresh it)", path, reason)
        return None
    return StoredKnowledgeGraph(con, meta, graph_path)


def _stale(meta: dict[str, Any], graph_path: Path) -> str | None:
    if meta.get("format") != STORE_FORMAT or meta.get("version") != __version__:
        return f"written by paperkg {meta.get('version')}, not {__version__}"
    name = meta.get("graph", {}).get("paper_graph_file")
    sibling = graph_path.with_name(str(name)) if name else paper_graph_path(graph_path)
    for key, file in (("graph_file", graph_path), ("paper_graph_file", sibling)):
        try:
            now = fingerprint(file)
        except OSError:
            return f"{file.name} is missing"
        if now != meta.get(key):
            return f"{file.name} changed since the query store was written"
    return None


class StoredKnowledgeGraph(KnowledgeGraph):
    """A :class:`~paperkg.kg.KnowledgeGraph` answered from the query store.

    Made by :func:`open_store` (through :meth:`KnowledgeGraph.load`). The query methods
    read only what their answer needs; ``.graph``, ``.paper_graph`` and the methods over
    the whole graph read the GraphML files on first use.
    """

    def __init__(self, con: sqlite3.Connection, meta: dict[str, Any], path: Path) -> None:
        # the base constructor indexes every node: exactly what the store saves
        self._con = con
        self._meta = meta
        self._path = path
        self._full: KnowledgeGraph | None = None

    # ------------------------------------------------------------------ the whole graph

    def _whole(self) -> KnowledgeGraph:
        if self._full is None:
            self._full = KnowledgeGraph.load(self._path, store=False)
        return self._full

    @property
    def graph(self) -> nx.Graph:  # type: ignore[override]
        """The knowledge graph (read from the GraphML file on first access)."""
        return self._whole().graph

    @property
    def paper_graph(self) -> nx.Graph:
        return self._whole().paper_graph

    @paper_graph.setter
    def paper_graph(self, graph: nx.Graph) -> None:
        self._whole().paper_graph = graph

    @property
    def paper_graph_view(self) -> nx.Graph:
        return self._whole().paper_graph_view

    def save(self, path: str | Path) -> list[Path]:
        return self._whole().save(path)

    def papers(self) -> list[Paper]:
        return self._whole().papers()

    def subgraph(self, *, entity: str | None = None, community: int | None = None) -> nx.Graph:
        return self._whole().subgraph(entity=entity, community=community)

    def stats(self, top: int = 5) -> dict[str, Any]:
        return self._whole().stats(top=top)

    # ------------------------------------------------------------------ small graphs

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        return self._con.execute(sql, tuple(params)).fetchall()

    def _seqs(self, nodes: Iterable[str]) -> list[int]:
        nodes = list(nodes)
        found: list[int] = []
        for lo in range(0, len(nodes), 500):
            part = nodes[lo:lo + 500]
            found += [s for (s,) in self._rows(
                f"SELECT seq FROM node WHERE id IN ({','.join('?' * len(part))})", part)]
        return found

    def _small(self, seqs: Iterable[int], *, edges_of: Iterable[int] = (),
               links_of: Iterable[int] = (),
               columns: tuple[tuple[str, str], ...] | None = None) -> KnowledgeGraph:
        """A KnowledgeGraph of the nodes ``seqs`` (in file order), the edges between them
        that touch a node of ``edges_of`` and the paper links of ``links_of``.
        ``columns``: build the nodes' attributes from these columns, not the JSON."""
        want = sorted(set(seqs))
        graph = nx.Graph(**self._meta["graph"])
        papers = nx.Graph(**self._meta["paper_graph"])
        names: dict[int, str] = {}
        for lo in range(0, len(want), 500):
            part = want[lo:lo + 500]
            marks = ",".join("?" * len(part))
            select = ", ".join(c for c, _ in columns) if columns else "attrs"
            for row in self._rows(f"SELECT seq, id, in_papers, {select} FROM node "
                                  f"WHERE seq IN ({marks}) ORDER BY seq", part):
                seq, node, in_papers = row[:3]
                names[seq] = node
                data = json.loads(row[3]) if columns is None else {
                    name: v for (_, name), v in zip(columns, row[3:], strict=True)
                    if v is not None}
                graph.add_node(node, **data)
                if in_papers:
                    papers.add_node(node)
        for table, of in (("edge", edges_of), ("link", links_of)):
            target = graph if table == "edge" else papers
            for u, v, attrs in self._touching(table, of, "u, v, attrs"):
                if u in names and v in names:
                    target.add_edge(names[u], names[v], **json.loads(attrs))
        return KnowledgeGraph(graph, papers)

    def _touching(self, table: str, seqs: Iterable[int], columns: str) -> list[tuple]:
        """``columns`` of the rows of ``table`` (``edge`` or ``link``) with an end in
        ``seqs``, in batches of 500 ends; an edge between two of them comes twice."""
        seqs = sorted(set(seqs))
        rows: list[tuple] = []
        for lo in range(0, len(seqs), 500):
            part = seqs[lo:lo + 500]
            marks = ",".join("?" * len(part))
            rows += self._rows(f"SELECT {columns} FROM {table} WHERE u IN ({marks}) UNION ALL "
                               f"SELECT {columns} FROM {table} WHERE v IN ({marks})", part + part)
        return rows

    def _neighbours(self, seqs: Iterable[int]) -> list[int]:
        """The knowledge-graph neighbours of the nodes ``seqs`` (with repeats)."""
        seqs = set(seqs)
        found: list[int] = []
        for u, v in self._touching("edge", seqs, "u, v"):
            if u in seqs:
                found.append(v)
            if v in seqs:
                found.append(u)
        return found

    # ------------------------------------------------------------------ naming

    def _paper_seq(self, paper: str | Paper) -> int:
        """The paper a name means, found through the indexes; a name that matches no
        paper or several is resolved by a small graph of the candidates, so the error
        and its candidate list are the base class's own."""
        name = paper.id if isinstance(paper, Paper) else str(paper).strip()
        for ident in (name, _PAPER_PREFIX + name):
            row = self._rows("SELECT seq FROM node WHERE id = ? AND kind = 'paper'", [ident])
            if row:
                return row[0][0]
        key = title_key(name)
        for sql, value in (("title = ?", name), ("title_key = ?", key),
                           ("instr(title_key, ?) > 0", key)):
            if sql.startswith("instr") and not key:
                break
            found = [s for (s,) in self._rows(
                f"SELECT seq FROM node WHERE kind = 'paper' AND {sql}", [value])]
            if len(found) == 1:
                return found[0]
            if found:
                self._small(found).paper_node(name)  # raises: ambiguous
        every = [s for (s,) in self._rows("SELECT seq FROM node WHERE kind = 'paper'")]
        self._small(every, columns=_TITLES).paper_node(name)  # raises
        raise AssertionError("unreachable")  # pragma: no cover

    def paper_node(self, paper: str | Paper) -> str:
        seq = self._paper_seq(paper)
        return self._rows("SELECT id FROM node WHERE seq = ?", [seq])[0][0]

    def _entity_seqs(self, entity: str) -> list[int]:
        name = str(entity).strip()
        row = self._rows("SELECT seq FROM node WHERE id = ? AND kind = 'entity'", [name])
        if row:
            return [row[0][0]]
        key = match_key(name)
        for alias in (0, 1):
            found = [s for (s,) in self._rows(
                "SELECT DISTINCT node FROM name_key WHERE key = ? AND alias = ?", [key, alias])]
            if found:
                return found
        every = [s for (s,) in self._rows("SELECT seq FROM node WHERE kind = 'entity'")]
        self._small(every).entity_nodes(name)
        raise AssertionError("unreachable")  # pragma: no cover

    def entity_nodes(self, entity: str) -> list[str]:
        seqs = self._entity_seqs(entity)
        return self._small(seqs).entity_nodes(entity)

    # ------------------------------------------------------------------ queries

    def paper(self, paper: str | Paper) -> Paper:
        return self._small([self._paper_seq(paper)]).paper(self.paper_node(paper))

    def entity(self, entity: str) -> Entity:
        return self._small(self._entity_seqs(entity)).entity(entity)

    def papers_with(self, entity: str) -> list[Paper]:
        ents = self._entity_seqs(entity)
        return self._small(ents + self._neighbours(ents), edges_of=ents).papers_with(entity)

    def entities_of(self, paper: str | Paper, type: str | None = None) -> list[Entity]:
        if type is not None and type not in ENTITY_TYPES:
            return KnowledgeGraph(nx.Graph(), nx.Graph()).entities_of(paper, type)  # raises
        seq = self._paper_seq(paper)
        small = self._small([seq, *self._neighbours([seq])], edges_of=[seq])
        return small.entities_of(self._node_id(seq), type=type)

    def mention_count(self, paper: str | Paper, entity: str) -> int:
        seq, ents = self._paper_seq(paper), self._entity_seqs(entity)
        small = self._small([seq, *ents], edges_of=[seq])
        return small.mention_count(self._node_id(seq), entity)

    def related(self, paper: str | Paper, k: int = 10) -> list[Related]:
        seq = self._paper_seq(paper)
        linked = [w for (w,) in self._rows(
            "SELECT v FROM link WHERE u = ?1 UNION ALL SELECT u FROM link WHERE v = ?1", [seq])]
        return self._small([seq, *linked], links_of=[seq]).related(self._node_id(seq), k=k)

    def why(self, paper_a: str | Paper, paper_b: str | Paper) -> Why:
        a, b = self._paper_seq(paper_a), self._paper_seq(paper_b)
        ends = [self._node_id(a), self._node_id(b)]
        if a == b:
            return self._small([a]).why(*ends)  # raises: the same paper
        common = set(self._neighbours([a])) & set(self._neighbours([b]))
        if common:
            return self._small([a, b, *common], edges_of=[a, b]).why(*ends)
        try:
            path = nx.shortest_path(_StoredAdjacency(self), *ends)
        except nx.NetworkXNoPath:
            path = []
        chain = self._seqs(path)
        small = self._small(chain or [a, b])
        for u, v in zip(path, path[1:], strict=False):
            small.graph.add_edge(u, v)
        return small.why(*ends)

    def top_entities(self, type: str | None = None, n: int = 20) -> list[EntityCount]:
        where = "kind = 'entity'" + (" AND type = ?" if type is not None else "")
        params = ([type] if type is not None else []) + [max(n, 0)]
        seqs = [s for (s,) in self._rows(
            f"SELECT seq FROM node WHERE {where} ORDER BY df DESC, name, id LIMIT ?", params)]
        return self._small(seqs).top_entities(type=type, n=n)

    def repos_for(self, entity: str) -> list[RepoLink]:
        ents = self._entity_seqs(entity)
        papers = sorted(set(self._neighbours(ents)))
        repos = self._of_type(set(self._neighbours(papers)), "repo")
        return self._small([*ents, *papers, *repos], edges_of=papers).repos_for(entity)

    def communities(self) -> list[Community]:
        every = [s for (s,) in self._rows(
            "SELECT seq FROM node WHERE kind = 'paper' AND community IS NOT NULL")]
        return self._small(every, columns=_COMMUNITIES).communities()

    def __repr__(self) -> str:
        (papers,), (ents,) = (self._rows(f"SELECT count(*) FROM node WHERE kind = '{k}'")[0]
                              for k in ("paper", "entity"))
        (links,) = self._rows("SELECT count(*) FROM link")[0]
        return (f"KnowledgeGraph({papers} papers, {ents} entities, {links} paper links, "
                f"{len(self.communities())} communities)")

    # ------------------------------------------------------------------ helpers

    def _node_id(self, seq: int) -> str:
        return self._rows("SELECT id FROM node WHERE seq = ?", [seq])[0][0]

    def _of_type(self, seqs: Iterable[int], type: str) -> list[int]:
        seqs = sorted(seqs)
        found: list[int] = []
        for lo in range(0, len(seqs), 500):
            part = seqs[lo:lo + 500]
            found += [s for (s,) in self._rows(
                f"SELECT seq FROM node WHERE type = ? AND seq IN ({','.join('?' * len(part))})",
                [type, *part])]
        return found

    def adjacency(self, node: str) -> dict[str, dict]:
        """``{neighbour: {}}`` of a knowledge-graph node, in the order the GraphML file
        gives a reader (edges in file order)."""
        (seq,) = self._seqs([node]) or [None]
        if seq is None:
            raise KeyError(node)
        rows = self._rows("SELECT n.id FROM (SELECT v AS w, seq FROM edge WHERE u = ?1 "
                          "UNION ALL SELECT u AS w, seq FROM edge WHERE v = ?1) AS e "
                          "JOIN node AS n ON n.seq = e.w ORDER BY e.seq", [seq])
        return {w: {} for (w,) in rows}


class _StoredAdjacency:
    """The knowledge graph's adjacency read from the store one node at a time: enough of
    the NetworkX graph API for :func:`networkx.shortest_path`, which then walks the same
    neighbours in the same order as on the graph read from GraphML."""

    def __init__(self, store: StoredKnowledgeGraph) -> None:
        self._store = store
        self.adj = _AdjacencyMap(store)
        self._adj = self.adj

    def __contains__(self, node: object) -> bool:
        return isinstance(node, str) and bool(self._store._seqs([node]))

    def is_directed(self) -> bool:
        return False

    def is_multigraph(self) -> bool:
        return False


class _AdjacencyMap(Mapping):
    def __init__(self, store: StoredKnowledgeGraph) -> None:
        self._store = store

    def __getitem__(self, node: str) -> dict[str, dict]:
        return self._store.adjacency(node)

    def __iter__(self) -> Iterator[str]:  # pragma: no cover - the search never iterates
        return iter(())

    def __len__(self) -> int:  # pragma: no cover
        return 0
