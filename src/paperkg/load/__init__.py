"""Loaders: files and directories of papers -> de-duplicated :class:`~paperkg.models.Paper` records.

One module per source format behind a small registry (:data:`FORMATS`):

==================  ==========================================  ==========================
name                module                                      detected by
==================  ==========================================  ==========================
``listing``         :mod:`paperkg.load.listing`                 ``.txt`` + alternating lines
``jsonl``           :mod:`paperkg.load.jsonfmt`                 ``.jsonl``, ``.ndjson``
``json``            :mod:`paperkg.load.jsonfmt`                 ``.json``
``csv``/``tsv``     :mod:`paperkg.load.csvfmt`                  ``.csv`` / ``.tsv``, ``.tab``
``atom``            :mod:`paperkg.load.atom`                    ``.xml``, ``.atom``
``arxiv-snapshot``  :mod:`paperkg.load.jsonfmt`                 snapshot lines in ``.jsonl``
``bibtex``          :mod:`paperkg.load.bibtex`                  ``.bib``, ``.bibtex``
==================  ==========================================  ==========================

Any of these may be gzipped (``.jsonl.gz``). Files with another extension are
recognised by content when possible. ``load_papers`` merges duplicates
(:mod:`paperkg.load.dedup`); ``iter_papers`` streams; ``stream_papers`` merges as it
streams (the extraction can start on the first papers while the rest are read).
"""

from __future__ import annotations

import stat
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from paperkg.errors import EmptyInputError, SourceError
from paperkg.load import atom, bibtex, csvfmt, jsonfmt, listing
from paperkg.load.dedup import Merger, StreamDedup, warn
from paperkg.load.files import (
    EXTENSIONS,
    LineTooLong,
    NotText,
    _suffixes,
    format_for,
    open_text,
    read_head,
    spool,
    walk,
)
from paperkg.load.limits import FIELD_ENV, Limits
from paperkg.load.records import Bad, BadRecord, Note, Raw, UnusableFile, to_paper
from paperkg.models import LoadReport, Paper

__all__ = [
    "Loader",
    "Limits",
    "FORMATS",
    "detect_format",
    "iter_papers",
    "load_papers",
    "MergingStream",
    "stream_papers",
]

Reader = Callable[..., Iterator[Raw | Bad | Note]]


@dataclass(frozen=True)
class Loader:
    """A registered input format: its name, the extensions it claims and its reader."""

    name: str
    read: Reader
    extensions: tuple[str, ...]
    description: str
    #: the reader takes ``max_chars`` (a format that builds values itself: BibTeX macros)
    sized: bool = False

    def __call__(self, fh: TextIO, name: str, *,
                 limits: Limits | None = None) -> Iterator[Raw | Bad | Note]:
        if self.sized and limits is not None:
            return self.read(fh, name, max_chars=limits.max_field_chars)
        return self.read(fh, name)


def _exts(fmt: str) -> tuple[str, ...]:
    return tuple(ext for ext, name in EXTENSIONS.items() if name == fmt)


FORMATS: dict[str, Loader] = {
    "listing": Loader("listing", listing.read, (".txt",),
                      "trending-papers listing page: title line, abstract line"),
    "jsonl": Loader("jsonl", jsonfmt.read_jsonl, _exts("jsonl"), "JSON Lines, one paper per line"),
    "json": Loader("json", jsonfmt.read_json, _exts("json"), "JSON array of paper objects"),
    "csv": Loader("csv", csvfmt.read_csv, _exts("csv"), "CSV with a header row"),
    "tsv": Loader("tsv", csvfmt.read_tsv, _exts("tsv"), "TSV with a header row"),
    "atom": Loader("atom", atom.read, _exts("atom"), "arXiv API Atom feed"),
    "arxiv-snapshot": Loader("arxiv-snapshot", jsonfmt.read_snapshot, (),
                             "arXiv metadata snapshot (JSON Lines)"),
    "bibtex": Loader("bibtex", bibtex.read, _exts("bibtex"), "BibTeX entries", sized=True),
}


def _names() -> str:
    return ", ".join(FORMATS)


def _check_format(fmt: str | None) -> str | None:
    if fmt is None:
        return None
    name = fmt.strip().lower()
    if name not in FORMATS:
        raise SourceError(f"unknown format {fmt!r}; valid formats: {_names()}")
    return name


def detect_format(path: str | Path) -> str | None:
    """The format name :func:`load_papers` would use for ``path`` (``None``: unsupported/not text).

    Raises
    ------
    SourceError
        ``path`` cannot be read.
    """
    path = Path(path)
    try:
        head, _ = read_head(path)
    except OSError as error:
        raise SourceError(f"cannot read {path}: {error.strerror or error}") from error
    return None if head is None else format_for(path, head)


@dataclass
class _Plan:
    path: Path  #: as named (warnings, ``Paper.sources``, the extension)
    explicit: bool
    #: what is read: ``path``, or a temporary copy of a pipe (see :func:`spool`)
    data: Path | None = None
    #: keeps a spooled copy alive
    handle: Any = None
    #: why a folder or file found in a directory cannot be read (warned, counted as a
    #: skipped file)
    unreadable: str | None = None

    @property
    def source(self) -> Path:
        return self.data or self.path


def _is_stream(path: Path) -> bool:
    """A pipe, FIFO or character device: readable once, so it is spooled."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _plan(sources: Sequence[str | Path]) -> list[_Plan]:
    if isinstance(sources, str | Path):
        sources = [sources]
    plans: list[_Plan] = []
    seen: set[Path] = set()

    def add(path: Path, explicit: bool) -> None:
        # a file named twice (directly and inside a directory) is read once
        try:
            real = path.resolve()
        except (OSError, RuntimeError):  # symlink loop
            real = path.absolute()
        if real in seen:
            return
        seen.add(real)
        plan = _Plan(path, explicit)
        if explicit and _is_stream(path):
            try:
                plan.data, plan.handle = spool(path)
            except OSError as error:
                raise SourceError(f"cannot read {path}: {error.strerror or error}") from error
        plans.append(plan)

    for source in sources:
        path = Path(source)
        try:
            exists = path.exists()
        except PermissionError as error:  # a folder on the way cannot be searched
            raise SourceError(f"cannot read {source}: {error.strerror}") from error
        except (OSError, ValueError):  # e.g. a NUL byte or an over-long name
            exists = False
        if not exists:
            raise SourceError(f"path not found: {source}")
        if path.is_dir():
            unreadable: list[tuple[Path, str]] = []
            for file in walk(path, unreadable):
                add(file, explicit=False)
            plans.extend(_Plan(where, False, unreadable=why) for where, why in unreadable)
        else:
            add(path, explicit=True)
    return plans


def _unsupported(path: Path) -> str:
    return (f"unsupported file type: {path} (supported: .txt listing pages, "
            f"{', '.join(sorted(EXTENSIONS))}; or force one with --format {{{_names()}}})")


def _papers_from_file(plan: _Plan, fmt: str | None, report: LoadReport,
                      limits: Limits) -> Iterator[Paper]:
    path = plan.path
    if plan.unreadable is not None:
        warn(report, f"{path}: {plan.unreadable}")
        report.files_skipped += 1
        return
    try:
        head, encoding = read_head(plan.source)
    except OSError as error:
        warn(report, f"{path}: cannot read ({error.strerror or error}); skipped")
        report.files_skipped += 1
        return
    if head is None:
        known = fmt or format_for(path, "") or _suffixes(path)[0] == ".txt"
        if plan.explicit and not known:
            raise SourceError(_unsupported(path))
        warn(report, f"{path}: {encoding}; skipped")
        report.files_skipped += 1
        return
    name = fmt or format_for(path, head)
    if name is None:
        if plan.explicit:
            raise SourceError(_unsupported(path))
        warn(report, f"{path}: unsupported file type (not a paper format); skipped")
        report.files_skipped += 1
        return
    loader = FORMATS[name]
    n_records = 0
    problem: str | None = None
    truncated: list[str] = []
    gz = _suffixes(path)[1]
    try:
        with open_text(plan.source, encoding, limits.max_line_bytes, gz=gz) as fh:
            for item in loader(fh, str(path), limits=limits):
                where = f"{path}:{item.line}"
                if isinstance(item, Note):
                    warn(report, f"{where}: {item.message}")
                    continue
                n_records += 1
                report.records_seen += 1
                if isinstance(item, Bad):
                    report.records_skipped += 1
                    warn(report, f"{where}: {item.message}")
                    continue
                try:
                    paper = to_paper(item.fields, where, max_chars=limits.max_field_chars,
                                     truncated=truncated)
                except BadRecord as error:
                    report.records_skipped += 1
                    warn(report, f"{where}: {error}")
                    continue
                if truncated:
                    report.records_truncated += 1
                    warn(report, f"{where}: {'; '.join(truncated)} (size limit; "
                                 f"set {FIELD_ENV} to change it)")
                    truncated.clear()
                yield paper
    except UnusableFile as error:
        line = f":{error.line}" if error.line else ""
        problem = f"{path}{line}: {error} ({name} format)"
    except NotText as error:
        problem = f"{path}:{error.line}: not UTF-8 text ({error.reason})"
    except LineTooLong as error:
        problem = f"{path}:{error.line}: line longer than the {error.limit:,}-byte limit"
    except UnicodeDecodeError as error:
        problem = f"{path}: not text in its encoding ({error.reason})"
    except (OSError, EOFError, zlib.error) as error:
        problem = f"{path}: read error ({getattr(error, 'strerror', None) or error})"
    if problem is None:
        report.files_read += 1
    elif n_records:
        report.files_read += 1
        warn(report, f"{problem}; rest of file skipped")
    else:
        report.files_skipped += 1
        warn(report, f"{problem}; file skipped")


def _prepare(sources: Sequence[str | Path], fmt: str | None) -> tuple[list[_Plan], str | None]:
    """Validate everything that can be checked before reading: format name, paths, file types.

    Done eagerly so that a bad command line fails before any work starts.
    """
    name = _check_format(fmt)
    plans = _plan(sources)
    if name is None:
        for plan in plans:
            if plan.explicit:
                _check_explicit(plan)
    return plans, name


def _check_explicit(plan: _Plan) -> None:
    path = plan.path
    try:
        head, _ = read_head(plan.source)
    except OSError as error:
        raise SourceError(f"cannot read {path}: {error.strerror or error}") from error
    if head is None:
        known = format_for(path, "") or _suffixes(path)[0] == ".txt"
    else:
        known = format_for(path, head)
    if not known:
        raise SourceError(_unsupported(path))


def _all_papers(plans: list[_Plan], fmt: str | None, report: LoadReport,
                limits: Limits | None = None) -> Iterator[Paper]:
    limits = limits if limits is not None else Limits.from_env()
    for plan in plans:
        yield from _papers_from_file(plan, fmt, report, limits)
        if plan.handle is not None:
            plan.handle.close()


def _empty(sources: Sequence[str | Path], report: LoadReport) -> EmptyInputError:
    shown = ", ".join(str(s) for s in ([sources] if isinstance(sources, str | Path) else sources))
    if report.files_read == 0 and report.files_skipped == 0:
        hint = "no files found; give files or a directory with papers"
    elif report.files_read == 0:
        hint = "no readable paper file; check the warnings above or force one with --format"
    else:
        hint = "every record was skipped; each needs a non-empty title and abstract"
    return EmptyInputError(f"no usable paper in {shown or 'the sources'} ({report.summary()}): "
                           f"{hint}")


def iter_papers(
    sources: Sequence[str | Path],
    fmt: str | None = None,
    report: LoadReport | None = None,
    limits: Limits | None = None,
) -> Iterator[Paper]:
    """Stream de-duplicated papers from files and directories.

    The first record of each paper wins; a later duplicate is counted in
    ``report.duplicates_merged`` and dropped (its source is not added). Memory
    holds key digests and ids only, so corpora larger than memory stream through.

    Parameters
    ----------
    sources
        Files and/or directories (read recursively).
    fmt
        Force one format (a :data:`FORMATS` name) for every file.
    report
        Filled in as the iteration goes; pass one to read the counts afterwards.
    limits
        Size limits (:class:`~paperkg.load.limits.Limits`; default: from the environment).

    Raises
    ------
    SourceError
        At the call (before any paper is read): a path is missing, an explicitly
        named file is unsupported, or ``fmt`` is unknown.
    EmptyInputError
        At the end of the iteration, when nothing usable was found.
    """
    plans, name = _prepare(sources, fmt)
    return _stream(plans, name, sources, report if report is not None else LoadReport(), limits)


def _stream(plans: list[_Plan], fmt: str | None, sources: Sequence[str | Path],
            report: LoadReport, limits: Limits | None) -> Iterator[Paper]:
    dedup = StreamDedup(report)
    for paper in _all_papers(plans, fmt, report, limits):
        kept = dedup.first(paper)
        if kept is not None:
            yield kept
    if report.papers_kept == 0:
        raise _empty(sources, report)


def load_papers(
    sources: Sequence[str | Path],
    fmt: str | None = None,
    limits: Limits | None = None,
) -> tuple[list[Paper], LoadReport]:
    """Read files and directories and return de-duplicated papers in first-seen order.

    Duplicates (same arXiv id, DOI or normalised title) merge into the first-seen
    paper, which keeps every source as ``"path:line"`` in ``Paper.sources``.

    Parameters
    ----------
    sources
        Files and/or directories (read recursively; unsupported files inside a
        directory are warned about and skipped).
    fmt
        Force one format (a :data:`FORMATS` name) for every file.
    limits
        Size limits (:class:`~paperkg.load.limits.Limits`; default: from the environment).

    Returns
    -------
    tuple[list[Paper], LoadReport]

    Raises
    ------
    SourceError
        A path is missing, an explicitly named file is unsupported, or ``fmt`` is unknown.
    EmptyInputError
        Nothing usable was found.
    """
    stream = stream_papers(sources, fmt, limits)
    for _ in stream:
        pass
    return stream.papers, stream.report


def stream_papers(sources: Sequence[str | Path], fmt: str | None = None,
                  limits: Limits | None = None) -> MergingStream:
    """:func:`load_papers` as it reads: iterate for each new paper as soon as it is read.

    A paper is yielded when its first record is read, with the id it keeps; a later
    duplicate is merged into the paper kept in :attr:`MergingStream.papers` (sources,
    missing fields) but changes none of what the yielded object has of its id, title
    and abstract, which is all the extractor reads. Once the iteration has ended,
    ``stream.papers`` and ``stream.report`` are those :func:`load_papers` returns.

    Raises
    ------
    SourceError
        At the call (before any paper is read), as :func:`load_papers`.
    EmptyInputError
        At the end of the iteration, when nothing usable was found.
    """
    plans, name = _prepare(sources, fmt)
    return MergingStream(plans, name, sources, limits)


class MergingStream:
    """The papers of :func:`stream_papers`: one pass of iteration, then the results."""

    def __init__(self, plans: list[_Plan], fmt: str | None,
                 sources: Sequence[str | Path], limits: Limits | None = None) -> None:
        self._plans, self._fmt, self._sources, self._limits = plans, fmt, sources, limits
        self.report = LoadReport()
        self._merger = Merger(self.report)
        self._started = self._done = False

    def __iter__(self) -> Iterator[Paper]:
        if self._started:
            raise RuntimeError("a MergingStream is read once")
        self._started = True
        return self._read()

    def _read(self) -> Iterator[Paper]:
        merger = self._merger
        kept = merger.papers
        for paper in _all_papers(self._plans, self._fmt, self.report, self._limits):
            n = len(kept)
            merger.add(paper)
            if len(kept) > n:
                yield kept[-1]
        if not kept:
            raise _empty(self._sources, self.report)
        self._done = True

    @property
    def papers(self) -> list[Paper]:
        """Every paper, duplicates merged, in first-seen order (after the iteration)."""
        if not self._done:
            raise RuntimeError("MergingStream.papers is known once every paper is read")
        return self._merger.papers
