"""Long sequences kept on disk, not in memory: :class:`Spool`, :class:`Lazy` and :class:`Sorted`.

An inspection of a large site makes tens of thousands of findings (37,051 at 100,000 pages, about
1 KB each as objects) and meets a hundred thousand link targets it cannot verify. Held as objects
from the checks to the last report they were the largest thing the inspecting process kept, and
they grew with the site. A :class:`Spool` is appended to as they are made and read back as often
as needed, :data:`CHUNK` items at a time, so what stays resident is one chunk, whatever the site's
size; a :class:`Lazy` view maps a spool's items as they are read (the inspection document's
entries); a :class:`Sorted` spool gives them back in another order, sorted by SQLite on disk.

The files are the process's own (temporary files and private temporary databases, deleted when
the last object holding one is collected, or at exit). Items are pickled: a spool holds only what
this process made and reads back itself.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pickle
import sqlite3
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")
U = TypeVar("U")

CHUNK = 512  # items pickled together (one chunk is what a reader holds at a time)


class Reread(Generic[T]):
    """A sized sequence read from its start by every iteration, never held whole (what the
    classes here and the report's 整改清单 are). Truth is its length; ``in``, ``==`` (with another
    such sequence, a list or a tuple: the same items in the same order) and indexing read it
    through from the start (``x[i]``, ``x[a:b]`` as a list): for a few items, not in a loop."""

    def __len__(self) -> int:
        raise NotImplementedError

    def __iter__(self) -> Iterator[T]:
        raise NotImplementedError

    def __bool__(self) -> bool:
        return len(self) > 0

    def __contains__(self, item: object) -> bool:
        return any(item == mine for mine in self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Reread, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (and deep-copied) as the list of its items: a document sent to another process
        arrives whole, with plain lists."""
        return list, (list(self),)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return list(self)[index]
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} items")
        return next(itertools.islice(self, position, None))


class Spool(Reread[T]):
    """Items appended in order, read back in order by every iteration (see the module docstring).

    ``len()`` and truth are the number of items. Spools made with :meth:`sibling` share one file,
    so :meth:`joined` can chain them without copying an item (the file is deleted once no spool
    holds it)."""

    def __init__(self, items: Iterable[T] = ()) -> None:
        self._file: _File | None = None
        # (offset, length) of each written chunk; a chunk pickle cannot write is kept as a list
        self._chunks: list[tuple[int, int] | list[T]] = []
        self._pending: list[T] = []
        self._count = 0
        self.extend(items)

    def __reduce__(self) -> tuple[Any, ...]:
        return Spool, (list(self),)  # a spool of its own in the process that reads it

    def sibling(self) -> Spool[T]:
        """A new, empty spool writing to this spool's file."""
        other: Spool[T] = Spool()
        other._file = self._shared_file()
        return other

    @classmethod
    def joined(cls, spools: Iterable[Spool[T]]) -> Spool[T]:
        """One spool of the items of ``spools`` (siblings of one another), in order, not copied."""
        out: Spool[T] = Spool()
        for spool in spools:
            spool._flush()
            if spool._file is not None:
                if out._file is None:
                    out._file = spool._file
                elif out._file is not spool._file:
                    raise ValueError("only sibling spools can be joined")
            out._chunks += spool._chunks
            out._count += spool._count
        return out

    def append(self, item: T) -> None:
        self._pending.append(item)
        self._count += 1
        if len(self._pending) >= CHUNK:
            self._flush()

    def extend(self, items: Iterable[T]) -> None:
        for item in items:
            self.append(item)

    def _shared_file(self) -> _File:
        if self._file is None:
            self._file = _File()
        return self._file

    def _flush(self) -> None:
        if not self._pending:
            return
        try:
            data = pickle.dumps(self._pending, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):  # kept in memory: never lost
            self._chunks.append(self._pending)
        else:
            self._chunks.append(self._shared_file().write(data))
        self._pending = []

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[T]:
        for chunk in [*self._chunks, list(self._pending)]:  # a spool of fewer than CHUNK items: no file
            if isinstance(chunk, list):
                yield from chunk
            else:
                assert self._file is not None  # a spool with written chunks has its file
                yield from pickle.loads(self._file.read(*chunk))  # noqa: S301 - pickled by this process


class _File:
    """The temporary file of one or more spools, deleted when the last of them is collected (or at
    exit). It is opened for each chunk written or read, never held open: a bulletin of a thousand
    sites keeps a thousand spools of problems, and as many open files would exhaust the process's
    limit on some machines."""

    def __init__(self) -> None:
        self._path: str | None = None  # made at the first write: a spool that writes nothing makes no file
        self._end = 0

    def write(self, data: bytes) -> tuple[int, int]:
        """Append ``data``; returns where it is (offset, length)."""
        if self._path is None:
            handle, self._path = tempfile.mkstemp(prefix="govwatch-spool-")
            os.close(handle)
            weakref.finalize(self, _unlink, self._path)
        with open(self._path, "ab") as out:
            out.write(data)
        offset, self._end = self._end, self._end + len(data)
        return offset, len(data)

    def read(self, offset: int, length: int) -> bytes:
        assert self._path is not None  # only written chunks are read
        with open(self._path, "rb") as source:
            source.seek(offset)
            return source.read(length)


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


class Lazy(Reread[U]):
    """A re-iterable, sized view of a source: ``fn`` applied to each item (items ``fn`` maps to
    None are left out when ``keep_none`` is False), computed each time it is iterated.

    The inspection document's long lists are views of this kind over a :class:`Spool`: the JSON
    writer and the HTML report read them through, item by item. ``len()`` counts by reading the
    source once, then remembers the count."""

    def __init__(self, source: Iterable[T], fn: Callable[[T], U | None], *, keep_none: bool = True,
                 length: int | None = None) -> None:
        self._source = source
        self._fn = fn
        self._keep_none = keep_none
        self._length = length

    def __iter__(self) -> Iterator[U]:
        fn, keep_none = self._fn, self._keep_none
        for item in self._source:
            value = fn(item)
            if value is not None or keep_none:
                yield value  # type: ignore[misc]

    def __len__(self) -> int:
        if self._length is None:
            self._length = sum(1 for _ in self)
        return self._length


SortKey = tuple[int | float | str, ...]


class Sorted(Reread[T]):
    """Items read back in the order of ``key`` (ties in the order given), sorted on disk: a private
    temporary SQLite database, whose sort holds a few MB whatever the number of items.

    ``key`` gives a tuple of the same length and column types for every item (int, float or str:
    SQLite orders them as Python does; text by code point). Made once, read as often as needed."""

    def __init__(self, items: Iterable[T], key: Callable[[T], SortKey]) -> None:
        # "": a private temporary database on disk, deleted when the connection is closed (collected);
        # made where the checks run, read where the reports are written (another thread in the service)
        self._db = sqlite3.connect("", check_same_thread=False)
        self._width = 0
        self._count = 0
        for batch in batches(items, CHUNK):
            rows = [(*key(item), pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)) for item in batch]
            if not self._width:
                self._width = len(rows[0]) - 1
                columns = ", ".join(f"k{i}" for i in range(self._width))
                self._db.execute(f"CREATE TABLE items (seq INTEGER PRIMARY KEY, {columns}, item BLOB)")
            marks = ", ".join("?" * (self._width + 1))
            self._db.executemany(f"INSERT INTO items VALUES (NULL, {marks})", rows)  # noqa: S608 - our columns
            self._count += len(rows)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[T]:
        if not self._count:
            return
        order = ", ".join(f"k{i}" for i in range(self._width))
        for (data,) in self._db.execute(f"SELECT item FROM items ORDER BY {order}, seq"):  # noqa: S608 - our columns
            yield pickle.loads(data)  # noqa: S301 - pickled by this process


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` read once, as lists of ``size`` (the last one shorter)."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
