"""Running one piece of work in a forked child process while this process does another.

The child inherits everything (big graphs, arrays) by ``fork`` without pickling; only
its result, or the exception it raised, comes back pickled through a pipe. Used to put
the second core to work on large graphs (``KnowledgeGraph.save`` writes its two GraphML
files at once; ``build_knowledge_graph`` runs Louvain while the knowledge graph is
assembled).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["run_beside", "can_fork"]

log = logging.getLogger("paperkg")

T = TypeVar("T")
U = TypeVar("U")

_OK, _RAISED = b"R", b"E"


def can_fork() -> bool:
    """Whether :func:`os.fork` exists here (not on Windows)."""
    return hasattr(os, "fork")


def run_beside(background: Callable[[], T], foreground: Callable[[], U],
               *, what: str = "work") -> tuple[T, U]:
    """``(background(), foreground())``, the first run in a forked child process.

    ``foreground`` runs here meanwhile. The child's result (or exception) comes back
    pickled; an exception raised in the child is raised here as it was raised there
    (an :class:`~paperkg.errors.PaperKGError` keeps its one-line message), after
    ``foreground`` has finished. If ``foreground`` raises, the child is waited for and
    the error propagates; on an interrupt (``KeyboardInterrupt``...) the child is killed.
    The child always ends with :func:`os._exit` (it never returns into the caller's
    code, runs no ``atexit`` handler, flushes no inherited buffer) and is always reaped.

    Without ``fork``, if the fork fails or if the child dies without a word (killed,
    out of memory), ``background`` runs here instead: after ``foreground``, as the
    serial code would. ``what`` names the work in that log message.
    """
    if not can_fork():
        return _serial(background, foreground)
    reader, writer = os.pipe()
    try:
        pid = os.fork()
    except OSError as error:
        os.close(reader)
        os.close(writer)
        log.debug("fork failed (%s): %s runs serially", error, what)
        return _serial(background, foreground)
    if pid == 0:  # the child
        status = 70
        try:
            os.close(reader)
            _child(background, writer)
            status = 0
        finally:
            os._exit(status)
    os.close(writer)
    report, status = _wait(pid, reader, foreground)
    fg_result = report[1]
    data = report[0]
    if data[:1] == _OK:
        return pickle.loads(data[1:]), fg_result
    if data[:1] == _RAISED:
        raise pickle.loads(data[1:])
    if os.WIFSIGNALED(status):
        died = f"was killed by signal {os.WTERMSIG(status)}"
    else:
        died = f"exited with status {os.WEXITSTATUS(status)} without a result"
    log.warning("the child process for %s %s: running it here", what, died)
    return background(), fg_result


def _serial(background: Callable[[], T], foreground: Callable[[], U]) -> tuple[T, U]:
    fg_result = foreground()
    return background(), fg_result


def _child(background: Callable[[], Any], fd: int) -> None:
    """Run ``background`` and write its pickled result or exception to ``fd``."""
    try:
        data = _OK + pickle.dumps(background(), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as error:  # noqa: BLE001 - every error goes to the parent
        data = _RAISED + _pickled_error(error)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.close(fd)


def _pickled_error(error: BaseException) -> bytes:
    """``error`` pickled, or a ``RuntimeError`` naming it when it does not round-trip."""
    try:
        data = pickle.dumps(error, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(data)
        return data
    except Exception:  # noqa: BLE001 - any unpicklable error
        return pickle.dumps(RuntimeError(f"{type(error).__name__}: {error}"))


def _wait(pid: int, reader: int, foreground: Callable[[], U]) -> tuple[tuple[bytes, U], int]:
    """Run ``foreground``, then read the child's report and reap it."""
    reaped = False
    try:
        try:
            fg_result = foreground()
        except Exception:
            # let the child finish (its report is dropped), so that nothing is left half
            # written by a kill; then the error propagates
            with os.fdopen(reader, "rb") as fh:
                reader = -1
                fh.read()
            os.waitpid(pid, 0)
            reaped = True
            raise
        with os.fdopen(reader, "rb") as fh:
            reader = -1
            data = fh.read()
        _, status = os.waitpid(pid, 0)
        reaped = True
    finally:
        if reader != -1:
            os.close(reader)
        if not reaped:  # interrupted: do not wait for a long piece of work
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    return (data, fg_result), status
