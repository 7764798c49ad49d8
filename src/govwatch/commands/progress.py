"""Rich progress display for long crawls (pages done, queue, errors, rate)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from govwatch.crawl.crawler import CrawlProgress


@contextmanager
def crawl_progress(console: Console, label: str) -> Iterator[Callable[[CrawlProgress], None] | None]:
    """Yield a callback that shows crawl progress; ``None`` when stderr is not a terminal."""
    if not console.is_terminal:
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("[bold]{task.description}"), TextColumn("{task.fields[stats]}"),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=None, stats="")

        def update(p: CrawlProgress) -> None:
            progress.update(task, stats=(f"pages {p.pages} · resources {p.resources} · queue {p.queued} · "
                                         f"errors {p.errors} · {p.rate:.0f}/s"))

        yield update
