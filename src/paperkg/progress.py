"""The progress bar of a long extraction."""

from __future__ import annotations

__all__ = ["Progress"]


class Progress:
    """A rich progress bar on stderr when ``enabled``, else nothing.

    It counts papers (``1,200/5,000 papers``); a streamed input has no total until it
    has been read, so its bar counts up (``1,200/? papers``) with the elapsed time and
    no estimate of the time left."""

    def __init__(self, enabled: bool, total: int | None) -> None:
        self.enabled, self.total = enabled, total

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("papers"), TimeElapsedColumn()]
            if self.total is not None:
                columns.append(TimeRemainingColumn())
            self._bar = Progress(*columns, console=Console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task("extracting", total=self.total)
        return self

    def advance(self, n: int) -> None:
        if self.enabled:
            self._bar.advance(self._task, n)

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._bar.stop()
