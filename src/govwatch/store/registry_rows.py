"""The registry's tables: orgs, the registry columns of ``sites``, and 临时报备 ``filings``.

Reads and writes only; what the rows mean (org paths and subtrees, selection by status,
validation of an import, filing windows) is :mod:`govwatch.registry`'s business. An import
writes through :func:`registry_import`: one transaction, committed only when asked.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, RootTransaction, delete, insert, select, update

from govwatch.store import tables as t
from govwatch.store.db import Store, StoreError, inserted_id, now_iso
from govwatch.store.ticket_rows import insert_audit

__all__ = ["Org", "SITE_COLUMNS", "RegistryImport", "registry_import", "org_with_code", "all_orgs",
           "registered_site_rows", "site_row_with_orgs", "site_id_of", "insert_filing", "filing_rows",
           "filing_row", "update_filing", "delete_filing"]

# The ``sites`` columns the registry reads (a site as the registry knows it).
SITE_COLUMNS = ("id", "url", "name", "site_code", "scope_prefix", "registered", "role", "level", "status",
                "has_services", "org_id", "sponsor", "icp", "police_record", "responsible_unit", "contact")


@dataclass(frozen=True, slots=True)
class Org:
    """One row of ``orgs``."""

    id: int
    code: str
    name: str
    parent_id: int | None
    level: str


def _org(row: Any) -> Org:
    return Org(int(row.id), row.code, row.name, row.parent_id, row.level)


def _load_orgs(conn: Connection) -> dict[int, Org]:
    """Every org by id."""
    return {int(r.id): _org(r) for r in conn.execute(
        select(t.orgs.c.id, t.orgs.c.code, t.orgs.c.name, t.orgs.c.parent_id, t.orgs.c.level))}


def all_orgs(store: Store) -> dict[int, Org]:
    """Every org by id (orgs are few: the hierarchy is read whole)."""
    with store.engine.connect() as conn:
        return _load_orgs(conn)


def org_with_code(store: Store, code: str) -> Org | None:
    """The org whose code is ``code``, or None."""
    with store.engine.connect() as conn:
        row = conn.execute(select(t.orgs).where(t.orgs.c.code == code)).first()
    return _org(row) if row is not None else None


_SITE_SELECT = select(*(t.sites.c[c] for c in SITE_COLUMNS))


def registered_site_rows(store: Store) -> tuple[dict[int, Org], list[dict[str, Any]]]:
    """Every org by id and every registered site (:data:`SITE_COLUMNS`), read in one transaction."""
    with store.engine.connect() as conn:
        orgs = _load_orgs(conn)
        rows = conn.execute(_SITE_SELECT.where(t.sites.c.registered.is_(True))).mappings().all()
    return orgs, [dict(r) for r in rows]


def site_row_with_orgs(store: Store, site_id: int) -> tuple[dict[str, Any] | None, dict[int, Org]]:
    """The site ``site_id`` (:data:`SITE_COLUMNS`, None when there is none) and, when it exists,
    every org by id, read in one transaction."""
    with store.engine.connect() as conn:
        row = conn.execute(_SITE_SELECT.where(t.sites.c.id == site_id)).mappings().first()
        if row is None:
            return None, {}
        return dict(row), _load_orgs(conn)


def site_id_of(store: Store, url: str) -> int | None:
    """The id of the site whose homepage is ``url`` (a normal URL), or None."""
    with store.engine.connect() as conn:
        found = conn.execute(select(t.sites.c.id).where(t.sites.c.url == url)).scalar()
    return int(found) if found is not None else None


# -- filings ---------------------------------------------------------------------------

def insert_filing(store: Store, values: dict[str, Any], *, actor: str | None = None) -> int:
    """Store a filing (``filings`` columns but id) and its ``add`` audit event; returns its id."""
    with store.engine.begin() as conn:
        filing_id = inserted_id(conn.execute(insert(t.filings).values(**values)))
        insert_audit(conn, "filing", filing_id, actor, "add", None, "active", None, values)
        return filing_id


def filing_rows(store: Store, *, site_id: int | None = None, day: str | None = None) -> list[dict[str, Any]]:
    """Filings with their site's ``site_url`` and ``site_name``, earliest window first: of one
    site when ``site_id`` is given, those whose window contains ``day`` (YYYY-MM-DD) when given."""
    conditions = []
    if site_id is not None:
        conditions.append(t.filings.c.site_id == site_id)
    if day is not None:
        conditions += [t.filings.c.starts <= day, t.filings.c.ends >= day]
    query = (select(t.filings, t.sites.c.url.label("site_url"), t.sites.c.name.label("site_name"))
             .join(t.sites, t.sites.c.id == t.filings.c.site_id).where(*conditions)
             .order_by(t.filings.c.starts, t.filings.c.id))
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def filing_row(store: Store, filing_id: int) -> dict[str, Any] | None:
    """One ``filings`` row, or None."""
    with store.engine.connect() as conn:
        row = conn.execute(select(t.filings).where(t.filings.c.id == filing_id)).mappings().first()
    return dict(row) if row else None


def _filing_in(conn: Connection, filing_id: int) -> dict[str, Any]:
    row = conn.execute(select(t.filings).where(t.filings.c.id == filing_id)).mappings().first()
    if row is None:
        raise StoreError(f"no filing with id {filing_id}")
    return dict(row)


def update_filing(store: Store, filing_id: int, values: dict[str, Any], *, actor: str | None,
                  note: str) -> dict[str, Any]:
    """Change a filing's columns and record an ``edit`` audit event (subject ``filing``, the values
    before and after) in one transaction; returns the row as it is now."""
    with store.engine.begin() as conn:
        before = _filing_in(conn, filing_id)
        conn.execute(update(t.filings).where(t.filings.c.id == filing_id).values(**values))
        insert_audit(conn, "filing", filing_id, actor, "edit", None, None, note,
                     {"before": {k: before[k] for k in values}, "after": values})
        return _filing_in(conn, filing_id)


def delete_filing(store: Store, filing_id: int, *, actor: str | None, note: str) -> dict[str, Any]:
    """Withdraw a filing: its full row goes into a ``withdraw`` audit event (subject ``filing``),
    then the row is deleted, in one transaction; returns the row as it was."""
    with store.engine.begin() as conn:
        row = _filing_in(conn, filing_id)
        insert_audit(conn, "filing", filing_id, actor, "withdraw", "active", "withdrawn", note, row)
        conn.execute(delete(t.filings).where(t.filings.c.id == filing_id))
        return row


# -- an import: one transaction over orgs and sites --------------------------------------

class RegistryImport:
    """The reads and writes of a registry import, all in one open transaction."""

    def __init__(self, conn: Connection, transaction: RootTransaction) -> None:
        self._conn = conn
        self._transaction = transaction

    def orgs(self) -> dict[int, Org]:
        """Every org by id."""
        return _load_orgs(self._conn)

    def add_org(self, code: str, name: str, level: str) -> int:
        """Insert an org (no parent yet); returns its id."""
        result = self._conn.execute(insert(t.orgs).values(code=code, name=name, level=level))
        return inserted_id(result)

    def update_org(self, org_id: int, values: dict[str, Any]) -> None:
        self._conn.execute(update(t.orgs).where(t.orgs.c.id == org_id).values(**values))

    def sites_by_url(self, urls: Sequence[str], columns: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The sites with these homepages: url -> id, url, registered, org_id and ``columns``."""
        selected = [t.sites.c.id, t.sites.c.url, t.sites.c.registered, t.sites.c.org_id,
                    *(t.sites.c[name] for name in columns)]
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(urls), 500):
            query = select(*selected).where(t.sites.c.url.in_(urls[start:start + 500]))
            for row in self._conn.execute(query).mappings():
                found[row["url"]] = dict(row)
        return found

    def add_site(self, url: str, scope_prefix: str, values: dict[str, Any]) -> None:
        self._conn.execute(insert(t.sites).values(url=url, scope_prefix=scope_prefix, created_at=now_iso(),
                                                  **values))

    def update_site(self, site_id: int, values: dict[str, Any]) -> None:
        self._conn.execute(update(t.sites).where(t.sites.c.id == site_id).values(**values))

    def registered_urls(self) -> list[str]:
        """The homepages of every registered site."""
        return list(self._conn.execute(select(t.sites.c.url).where(t.sites.c.registered.is_(True))).scalars())

    def commit(self) -> None:
        """Keep what was written (otherwise it is rolled back when the import ends)."""
        self._transaction.commit()


@contextmanager
def registry_import(store: Store) -> Iterator[RegistryImport]:
    """A :class:`RegistryImport` in a new transaction, rolled back on leaving unless committed."""
    with store.engine.connect() as conn:
        transaction = conn.begin()
        try:
            yield RegistryImport(conn, transaction)
        finally:
            if transaction.is_active:
                transaction.rollback()
