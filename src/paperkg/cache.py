"""SQLite cache of per-paper extraction results, so re-runs only extract what changed.

One row per ``(paper id, content hash, extractor fingerprint)`` holds the JSON of the
paper's :class:`~paperkg.models.PaperEntities` as the extractor produced it, *before*
cross-corpus canonicalisation (canonicalisation depends on the whole corpus, so it
runs after every run over cached and new results alike).

* The content hash is SHA-1 of the title and abstract: an edited abstract is a miss.
* The extractor fingerprint is ``EXTRACTOR_VERSION`` plus a hash of the package's
  data files and of the extractor's own source: a new release, an edited gazetteer
  or an edited rule in the code is a miss. A user vocabulary (``--vocab``) adds a hash
  of its contents: it changes what is found. A thesaurus does not: it is applied to the
  results after they leave the cache.
* Writes happen in one transaction per batch (WAL journal), so a crash or Ctrl-C
  mid-run loses at most the batch in flight; the next run reuses everything committed.
* A file that is not a readable SQLite database, or a database that is not a paperkg
  cache, raises :class:`~paperkg.errors.CacheError` with a one-line message. The file
  is never deleted or overwritten automatically: ``--cache`` might point at the wrong
  file, and a cache is cheap to rebuild (delete it, or run with ``--no-cache``).
"""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from pydantic import ValidationError

from paperkg.errors import CacheError
from paperkg.models import Paper, PaperEntities

__all__ = [
    "DEFAULT_CACHE_PATH",
    "SCHEMA_VERSION",
    "decode_result",
    "encode_result",
    "ExtractionCache",
    "content_hash",
    "extractor_fingerprint",
]

DEFAULT_CACHE_PATH = Path(".paperkg-cache") / "extract.sqlite"
SCHEMA_VERSION = "1"
# SQLite's default limit on host parameters is 32766 (>= 3.32); stay well below it.
_MAX_PARAMS = 900
_T = TypeVar("_T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS extractions (
    paper_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    extractor TEXT NOT NULL,
    result BLOB NOT NULL,
    PRIMARY KEY (paper_id, extractor, content_hash)
) WITHOUT ROWID;
"""


def content_hash(paper: Paper) -> str:
    """SHA-1 of the paper's title and abstract (the text the extractor sees)."""
    digest = hashlib.sha1(paper.title.encode("utf-8"))
    digest.update(b"\x00")
    digest.update(paper.abstract.encode("utf-8"))
    return digest.hexdigest()


# Source files whose edits change what the extractor finds (with paperkg/data).
_EXTRACTOR_SOURCES = ("extract", "text.py", "vocab.py", "models.py", "phrases.py")


def extractor_fingerprint(model: str | None = None, vocab: str | Path | None = None) -> str:
    """``EXTRACTOR_VERSION`` plus a short hash of the extractor's data files and source,
    and which learned model runs (``None``: the rules alone; ``"shipped"``; a model file,
    by its contents), and the user vocabulary file (``--vocab``), by its contents.

    Editing a vocabulary file or a rule in the code changes what the extractor finds
    without changing its version string, so all of them go into the cache key.
    """
    base = _fingerprint(model, model_stamp(model))
    if vocab is None:
        return base
    try:
        return f"{base}+vocab-{hashlib.sha1(Path(vocab).read_bytes()).hexdigest()[:12]}"
    except OSError as err:
        raise CacheError(f"{vocab}: cannot read the vocabulary ({err.strerror})") from None


def model_stamp(model: str | None) -> tuple[str, int, int] | None:
    """``(resolved path, mtime_ns, size)`` of a model file, so a file replaced in place
    is seen as a new model; ``None`` for the rules alone or the shipped model."""
    if model is None or str(model).lower() in ("none", "shipped"):
        return None
    try:
        st = Path(model).stat()
    except OSError as err:
        raise CacheError(f"{model}: cannot read the model file ({err.strerror})") from None
    return (str(Path(model).resolve()), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=8)
def _fingerprint(model: str | None, stamp: tuple[str, int, int] | None) -> str:
    from paperkg.extract import EXTRACTOR_VERSION

    package = Path(__file__).parent
    files = [p for p in (package / "data").rglob("*") if p.is_file()]
    for name in _EXTRACTOR_SOURCES:
        source = package / name
        files.extend(source.rglob("*.py") if source.is_dir() else [source])
    digest = hashlib.sha1()
    if model is not None and str(model).lower() == "shipped":
        digest.update(b"shipped model\x00")
    elif model is not None and str(model).lower() != "none":
        try:
            digest.update(Path(model).read_bytes())
        except OSError as err:
            raise CacheError(f"{model}: cannot read the model file ({err.strerror})") from None
    for path in sorted(p for p in files if p.is_file()):
        digest.update(path.relative_to(package).as_posix().encode("utf-8"))
        digest.update(b"\x00")
        digest.update(path.read_bytes())
    return f"{EXTRACTOR_VERSION}+{digest.hexdigest()[:12]}"


def encode_result(result_json: str) -> bytes:
    """A result's JSON as stored: zlib-compressed UTF-8 (also how
    :func:`paperkg.workflow.extract_corpus` holds results in memory)."""
    # Entity JSON compresses ~4x; level 1 costs microseconds per paper.
    return zlib.compress(result_json.encode("utf-8"), 1)


def decode_result(blob: bytes) -> str:
    """The JSON text of an :func:`encode_result` blob."""
    return zlib.decompress(blob).decode("utf-8")


def _valid_json(blob: bytes) -> str:
    """The JSON text of a stored row, once it is known to be a
    :class:`~paperkg.models.PaperEntities` (raises :class:`zlib.error`, or
    :class:`ValueError` for a row that decompresses into anything else)."""
    text = decode_result(blob)
    PaperEntities.model_validate_json(text)
    return text


def _checked(blob: bytes) -> bytes:
    """``blob`` itself, once it is known to decompress into a valid result."""
    _valid_json(blob)
    return blob


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(map(str, first["loc"]))
        return f"{where + ': ' if where else ''}{first['msg']}"
    return str(error).splitlines()[0] if str(error) else type(error).__name__


class ExtractionCache:
    """An open extraction cache (use as a context manager).

    Parameters
    ----------
    path:
        The SQLite file; created with its parent directories if missing.
    extractor:
        The extractor fingerprint rows are stored and looked up under
        (default: :func:`extractor_fingerprint`).

    Raises
    ------
    CacheError
        The file cannot be created or opened, is not an SQLite database, or is an
        SQLite database that is not a paperkg cache.
    """

    def __init__(self, path: str | Path, extractor: str | None = None) -> None:
        self.path = Path(path)
        self.extractor = extractor if extractor is not None else extractor_fingerprint()
        self.hits = 0
        self.misses = 0
        self.written = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, one per batch.
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        except (OSError, sqlite3.Error) as error:
            raise CacheError(f"cannot open cache {self.path}: {error}") from error
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._check_schema()
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise CacheError(
                f"cache {self.path} is unreadable ({error}); delete it or run with --no-cache"
            ) from error

    def _check_schema(self) -> None:
        tables = {
            row[0]
            for row in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if tables and not {"meta", "extractions"} <= tables:
            raise CacheError(
                f"{self.path} is an SQLite database but not a paperkg cache "
                f"(tables: {', '.join(sorted(tables))}); choose another --cache path"
            )
        if not tables:
            self._db.executescript("BEGIN;" + _SCHEMA + "COMMIT;")
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,)
            )
            return
        row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None or row[0] != SCHEMA_VERSION:
            found = row[0] if row else "none"
            raise CacheError(
                f"cache {self.path} has schema version {found}, this paperkg writes "
                f"{SCHEMA_VERSION}; delete it or choose another --cache path"
            )

    # -- reading ---------------------------------------------------------------------

    def lookup(self, papers: Sequence[Paper]) -> list[str | None]:
        """Cached result JSON for each paper, in order (``None`` for a miss).

        Costs one indexed query per ~900 papers.
        """
        return self._lookup(papers, _valid_json)

    def lookup_encoded(self, papers: Sequence[Paper]) -> list[bytes | None]:
        """:meth:`lookup` with each hit as stored (:func:`encode_result`); every blob is
        checked to decompress, so a damaged row is reported here as a corrupt cache."""
        return self._lookup(papers, _checked)

    def _lookup(self, papers: Sequence[Paper], convert: Callable[[bytes], _T]) -> list[_T | None]:
        hashes = [content_hash(p) for p in papers]
        found: dict[tuple[str, str], bytes] = {}
        ids = list(dict.fromkeys(p.id for p in papers))
        try:
            for i in range(0, len(ids), _MAX_PARAMS):
                chunk = ids[i : i + _MAX_PARAMS]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    "SELECT paper_id, content_hash, result FROM extractions "
                    f"WHERE extractor = ? AND paper_id IN ({marks})",
                    (self.extractor, *chunk),
                )
                for paper_id, chash, blob in rows:
                    found[(paper_id, chash)] = blob
            out: list[_T | None] = []
            for paper, chash in zip(papers, hashes, strict=True):
                blob = found.get((paper.id, chash))
                if blob is None:
                    out.append(None)
                    continue
                try:
                    out.append(convert(blob))
                except (ValueError, TypeError, UnicodeDecodeError) as error:
                    # a row that decompresses but is not a result (cut JSON, an unknown
                    # entity type, a list): never handed on as if it were one
                    raise CacheError(
                        f"cache {self.path} is corrupt (row of paper {paper.id!r}: "
                        f"{_reason(error)}); delete it or run with --no-cache") from error
        except (sqlite3.DatabaseError, zlib.error) as error:
            raise CacheError(
                f"cache {self.path} is corrupt ({error}); delete it or run with --no-cache"
            ) from error
        hits = sum(1 for r in out if r is not None)
        self.hits += hits
        self.misses += len(out) - hits
        return out

    def get(self, paper: Paper) -> PaperEntities | None:
        """The cached result of one paper, or ``None``."""
        (hit,) = self.lookup([paper])
        return None if hit is None else PaperEntities.model_validate_json(hit)

    def __len__(self) -> int:
        """Rows stored for this extractor fingerprint."""
        try:
            (n,) = self._db.execute(
                "SELECT COUNT(*) FROM extractions WHERE extractor = ?", (self.extractor,)
            ).fetchone()
        except sqlite3.DatabaseError as error:
            raise CacheError(f"cache {self.path} is corrupt ({error})") from error
        return int(n)

    # -- writing ---------------------------------------------------------------------

    def store(self, items: Iterable[tuple[Paper, str]]) -> int:
        """Store ``(paper, result JSON)`` pairs in one transaction; return how many.

        An older row of the same paper under the same extractor (the abstract was
        edited) is replaced, so the file holds one row per paper and extractor.
        If anything fails before the commit, nothing of the batch is stored.
        """
        return self.store_encoded((p, encode_result(j)) for p, j in items)

    def store_encoded(self, items: Iterable[tuple[Paper, bytes]]) -> int:
        """:meth:`store` for results already encoded with :func:`encode_result`."""
        rows = [(p.id, content_hash(p), self.extractor, blob) for p, blob in items]
        if not rows:
            return 0
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "DELETE FROM extractions WHERE paper_id = ? AND extractor = ? "
                    "AND content_hash <> ?",
                    [(r[0], r[2], r[1]) for r in rows],
                )
                self._db.executemany(
                    "INSERT OR REPLACE INTO extractions VALUES (?, ?, ?, ?)", rows
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            raise CacheError(f"cannot write cache {self.path}: {error}") from error
        self.written += len(rows)
        return len(rows)

    def put(self, paper: Paper, result: PaperEntities) -> None:
        """Store one result (its own transaction)."""
        self.store([(paper, result.model_dump_json())])

    # -- lifecycle -------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (a committed WAL is folded in by SQLite)."""
        self._db.close()

    def __enter__(self) -> ExtractionCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
