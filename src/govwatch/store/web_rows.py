"""The web's tables: ``users`` and ``user_sites``, ``web_sessions``, ``api_tokens``,
``login_attempts`` and ``job_requests``; and the scoped reads of sites, runs and findings the
REST API answers with.

Reads and writes only: what a role may see (:mod:`govwatch.web.scope`), how passwords and tokens
are hashed (:mod:`govwatch.web.auth`) and who runs a job request (the service's scheduler) are
decided elsewhere. Every read that lists sites or runs takes ``site_ids`` (None = every site): the
caller's scope, applied in the query itself.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from govwatch.store import tables as t
from govwatch.store.db import Store, inserted_id, now_iso
from govwatch.store.job_queue import defer_request_in
from govwatch.store.run_listing import FULL_KINDS, newest_full_select, newest_score_join, newest_score_value
from govwatch.store.run_results import sheet_from_store

__all__ = ["USER_COLUMNS", "add_user", "user_by_name", "user_by_id", "user_rows", "set_user_disabled", "set_user_sites", "user_site_ids",
           "site_ids_of_orgs", "org_ids_of_sites", "add_session", "session_user", "delete_session", "purge_sessions",
           "add_api_token", "token_user", "record_login_failure", "login_failures", "clear_login_failures",
           "add_job_request", "job_request", "active_job_request", "claim_job_request", "start_job_request", "set_job_progress",
           "finish_job_request", "fail_running_job_requests", "site_summaries", "scoped_runs", "newest_full_run_of",
           "score_sheet_of"]

USER_COLUMNS = ("id", "name", "role", "org_id", "created_at", "disabled")  # a user as callers see it: no hash


def _user_select() -> Any:
    return select(*(t.users.c[c] for c in USER_COLUMNS))


# -- users ------------------------------------------------------------------------------------

def add_user(store: Store, name: str, role: str, password_hash: str, *, org_id: int | None = None,
             site_ids: Iterable[int] = ()) -> int:
    """Create a user (with an operator's sites) in one transaction; returns its id."""
    with store.engine.begin() as conn:
        user_id = inserted_id(conn.execute(insert(t.users).values(
            name=name, role=role, org_id=org_id, password_hash=password_hash, created_at=now_iso())))
        sites = sorted(set(site_ids))
        if sites:
            conn.execute(insert(t.user_sites), [{"user_id": user_id, "site_id": s} for s in sites])
    return user_id


def user_by_name(store: Store, name: str) -> tuple[dict[str, Any], str] | None:
    """The user called ``name`` (:data:`USER_COLUMNS`) and its password hash, or None."""
    with store.engine.connect() as conn:
        row = conn.execute(_user_select().add_columns(t.users.c.password_hash)
                           .where(t.users.c.name == name)).mappings().first()
    if row is None:
        return None
    user = dict(row)
    return user, user.pop("password_hash")


def user_by_id(store: Store, user_id: int) -> dict[str, Any] | None:
    """The user ``user_id`` (:data:`USER_COLUMNS`), or None."""
    with store.engine.connect() as conn:
        row = conn.execute(_user_select().where(t.users.c.id == user_id)).mappings().first()
    return dict(row) if row is not None else None


def user_rows(store: Store) -> list[dict[str, Any]]:
    """Every user (:data:`USER_COLUMNS`, with ``org_code`` and ``org_name``) and the number of its
    own sites (``sites``), by name."""
    counts = (select(t.user_sites.c.user_id, func.count().label("sites"))
              .group_by(t.user_sites.c.user_id).subquery())
    q = (_user_select().add_columns(t.orgs.c.code.label("org_code"), t.orgs.c.name.label("org_name"),
                                    func.coalesce(counts.c.sites, 0).label("sites"))
         .outerjoin(t.orgs, t.orgs.c.id == t.users.c.org_id)
         .outerjoin(counts, counts.c.user_id == t.users.c.id)
         .order_by(t.users.c.name))
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def set_user_disabled(store: Store, user_id: int, disabled: bool) -> bool:
    """Disable (or enable again) a user: a disabled user's sessions and API tokens stop working at
    once (:func:`session_user` and :func:`token_user` skip them). Whether the user exists."""
    with store.engine.begin() as conn:
        return bool(conn.execute(update(t.users).where(t.users.c.id == user_id)
                                 .values(disabled=disabled)).rowcount)


def set_user_sites(store: Store, user_id: int, site_ids: Iterable[int]) -> None:
    """Replace an operator's sites."""
    sites = sorted(set(site_ids))
    with store.engine.begin() as conn:
        conn.execute(delete(t.user_sites).where(t.user_sites.c.user_id == user_id))
        if sites:
            conn.execute(insert(t.user_sites), [{"user_id": user_id, "site_id": s} for s in sites])


def user_site_ids(store: Store, user_id: int) -> set[int]:
    """An operator's own sites."""
    with store.engine.connect() as conn:
        return {int(s) for s in conn.execute(
            select(t.user_sites.c.site_id).where(t.user_sites.c.user_id == user_id)).scalars()}


def site_ids_of_orgs(store: Store, org_ids: Collection[int]) -> set[int]:
    """The sites that belong to one of ``org_ids``."""
    found: set[int] = set()
    ids = sorted(org_ids)
    with store.engine.connect() as conn:
        for start in range(0, len(ids), 500):
            found.update(int(s) for s in conn.execute(
                select(t.sites.c.id).where(t.sites.c.org_id.in_(ids[start:start + 500]))).scalars())
    return found


def org_ids_of_sites(store: Store, site_ids: Collection[int]) -> set[int]:
    """The orgs the sites ``site_ids`` belong to."""
    found: set[int] = set()
    ids = sorted(site_ids)
    with store.engine.connect() as conn:
        for start in range(0, len(ids), 500):
            found.update(int(o) for o in conn.execute(
                select(t.sites.c.org_id).where(t.sites.c.id.in_(ids[start:start + 500]),
                                               t.sites.c.org_id.is_not(None))).scalars())
    return found


# -- sessions, API tokens, login attempts ------------------------------------------------------

def add_session(store: Store, token_hash: str, user_id: int, csrf_token: str, expires_at: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(insert(t.web_sessions).values(token_hash=token_hash, user_id=user_id, csrf_token=csrf_token,
                                                   created_at=now_iso(), expires_at=expires_at))


def session_user(store: Store, token_hash: str, now: str) -> tuple[dict[str, Any], str] | None:
    """The enabled user of the unexpired session ``token_hash`` and the session's CSRF token, or None."""
    q = (_user_select().add_columns(t.web_sessions.c.csrf_token)
         .join(t.web_sessions, t.web_sessions.c.user_id == t.users.c.id)
         .where(t.web_sessions.c.token_hash == token_hash, t.web_sessions.c.expires_at > now,
                t.users.c.disabled.is_(False)))
    with store.engine.connect() as conn:
        row = conn.execute(q).mappings().first()
    if row is None:
        return None
    user = dict(row)
    return user, user.pop("csrf_token")


def delete_session(store: Store, token_hash: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(delete(t.web_sessions).where(t.web_sessions.c.token_hash == token_hash))


def purge_sessions(store: Store, now: str) -> int:
    """Delete expired sessions; how many."""
    with store.engine.begin() as conn:
        return int(conn.execute(delete(t.web_sessions).where(t.web_sessions.c.expires_at <= now)).rowcount)


def add_api_token(store: Store, user_id: int, token_hash: str) -> int:
    with store.engine.begin() as conn:
        return inserted_id(conn.execute(insert(t.api_tokens).values(
            user_id=user_id, token_hash=token_hash, created_at=now_iso())))


def token_user(store: Store, token_hash: str) -> dict[str, Any] | None:
    """The enabled user owning the API token ``token_hash`` (its ``last_used_at`` is updated), or None."""
    q = (_user_select().add_columns(t.api_tokens.c.id.label("token_id"))
         .join(t.api_tokens, t.api_tokens.c.user_id == t.users.c.id)
         .where(t.api_tokens.c.token_hash == token_hash, t.users.c.disabled.is_(False)))
    with store.engine.begin() as conn:
        row = conn.execute(q).mappings().first()
        if row is None:
            return None
        user = dict(row)
        conn.execute(update(t.api_tokens).where(t.api_tokens.c.id == user.pop("token_id"))
                     .values(last_used_at=now_iso()))
    return user


def record_login_failure(store: Store, key: str, at: str, *, forget_before: str) -> None:
    """Count a failed login for ``key`` (user|client); attempts older than ``forget_before`` go."""
    with store.engine.begin() as conn:
        conn.execute(delete(t.login_attempts).where(t.login_attempts.c.at < forget_before))
        conn.execute(insert(t.login_attempts).values(key=key, at=at))


def login_failures(store: Store, key: str, since: str) -> int:
    """Failed logins for ``key`` since ``since``."""
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.login_attempts).where(
            t.login_attempts.c.key == key, t.login_attempts.c.at >= since)).scalar() or 0)


def clear_login_failures(store: Store, key: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(delete(t.login_attempts).where(t.login_attempts.c.key == key))


# -- job requests -------------------------------------------------------------------------------

ACTIVE_JOB_STATES = ("queued", "running")


def add_job_request(store: Store, kind: str, site_id: int, args: dict[str, Any], requested_by: int | None) -> int:
    """Queue a job; returns its id. On PostgreSQL its worker job is deferred in the same transaction
    (:func:`~govwatch.store.job_queue.defer_request_in`)."""
    with store.engine.begin() as conn:
        job_id = inserted_id(conn.execute(insert(t.job_requests).values(
            kind=kind, site_id=site_id, args=args, requested_by=requested_by, state="queued", created_at=now_iso())))
        defer_request_in(conn, kind, site_id, job_id)
        return job_id


def job_request(store: Store, job_id: int, *, site_ids: Collection[int] | None = None) -> dict[str, Any] | None:
    """The job ``job_id`` (every column), or None; also None when its site is not in ``site_ids``."""
    q = select(t.job_requests).where(t.job_requests.c.id == job_id)
    if site_ids is not None:
        q = q.where(t.job_requests.c.site_id.in_(list(site_ids)))
    with store.engine.connect() as conn:
        row = conn.execute(q).mappings().first()
    return dict(row) if row is not None else None


def active_job_request(store: Store, kind: str, site_id: int) -> dict[str, Any] | None:
    """The oldest queued or running job of ``kind`` for the site, or None."""
    q = (select(t.job_requests).where(t.job_requests.c.kind == kind, t.job_requests.c.site_id == site_id,
                                      t.job_requests.c.state.in_(ACTIVE_JOB_STATES))
         .order_by(t.job_requests.c.id).limit(1))
    with store.engine.connect() as conn:
        row = conn.execute(q).mappings().first()
    return dict(row) if row is not None else None


def claim_job_request(store: Store, kinds: Iterable[str] | None = None) -> dict[str, Any] | None:
    """Take the oldest queued job (of ``kinds`` when given): it becomes ``running`` and is returned,
    or None when none is queued. Two claimers never take the same job (the update is conditional)."""
    q = select(t.job_requests.c.id).where(t.job_requests.c.state == "queued").order_by(t.job_requests.c.id)
    if kinds is not None:
        q = q.where(t.job_requests.c.kind.in_(list(kinds)))
    for _ in range(8):  # bounded: another claimer may win each candidate
        with store.engine.begin() as conn:
            job_id = conn.execute(q.limit(1)).scalar()
            if job_id is None:
                return None
            taken = conn.execute(update(t.job_requests)
                                 .where(t.job_requests.c.id == job_id, t.job_requests.c.state == "queued")
                                 .values(state="running", started_at=now_iso())).rowcount
            if taken == 1:
                row = conn.execute(select(t.job_requests).where(t.job_requests.c.id == job_id)).mappings().one()
                return dict(row)
    return None


def start_job_request(store: Store, job_id: int) -> dict[str, Any] | None:
    """A worker takes the job ``job_id`` (its queue job started): ``running`` and returned; a job
    left ``running`` by a worker that died is taken again. None when it is gone or already ended."""
    with store.engine.begin() as conn:
        taken = conn.execute(update(t.job_requests)
                             .where(t.job_requests.c.id == job_id, t.job_requests.c.state.in_(ACTIVE_JOB_STATES))
                             .values(state="running", started_at=now_iso())).rowcount
        if taken != 1:
            return None
        return dict(conn.execute(select(t.job_requests).where(t.job_requests.c.id == job_id)).mappings().one())


def set_job_progress(store: Store, job_id: int, progress: dict[str, Any], *, run_id: int | None = None) -> None:
    """Record how far a running job got (and the run it made, once known)."""
    values: dict[str, Any] = {"progress": progress}
    if run_id is not None:
        values["run_id"] = run_id
    with store.engine.begin() as conn:
        conn.execute(update(t.job_requests).where(t.job_requests.c.id == job_id).values(**values))


def finish_job_request(store: Store, job_id: int, *, ok: bool, run_id: int | None = None,
                       error: str | None = None) -> None:
    """A job ended: ``done`` when ``ok``, else ``failed`` with ``error``."""
    values: dict[str, Any] = {"state": "done" if ok else "failed", "finished_at": now_iso(), "error": error}
    if run_id is not None:
        values["run_id"] = run_id
    with store.engine.begin() as conn:
        conn.execute(update(t.job_requests).where(t.job_requests.c.id == job_id).values(**values))


def fail_running_job_requests(store: Store, error: str) -> list[int]:
    """Mark every ``running`` job ``failed`` with ``error`` (jobs the service's last process left
    unfinished when it died); returns their ids."""
    running = t.job_requests.c.state == "running"
    with store.engine.begin() as conn:
        ids = [int(i) for i in conn.execute(select(t.job_requests.c.id).where(running)).scalars()]
        if ids:
            conn.execute(update(t.job_requests).where(t.job_requests.c.id.in_(ids), running)
                         .values(state="failed", finished_at=now_iso(), error=error))
    return ids


# -- scoped reads of sites, runs and scores (the REST API) --------------------------------------

def site_summaries(store: Store, site_ids: Collection[int] | None, *, site_id: int | None = None
                   ) -> list[dict[str, Any]]:
    """Sites by id (those in ``site_ids``; None = all; only ``site_id`` when given): id, url, name,
    site_code, status, org_id, org_code, org_name, and of the newest complete full run run_id,
    as_of, verdict, score and ruleset (its newest score sheet's)."""
    newest = newest_full_select().subquery()
    q = (select(t.sites.c.id, t.sites.c.url, t.sites.c.name, t.sites.c.site_code, t.sites.c.status,
                t.sites.c.org_id, t.orgs.c.code.label("org_code"), t.orgs.c.name.label("org_name"),
                newest.c.run_id, t.runs.c.as_of, t.scores.c.verdict, t.scores.c.score, t.scores.c.ruleset)
         .outerjoin(t.orgs, t.orgs.c.id == t.sites.c.org_id)
         .outerjoin(newest, newest.c.site_id == t.sites.c.id)
         .outerjoin(t.runs, t.runs.c.id == newest.c.run_id)
         .outerjoin(t.scores, newest_score_join(newest.c.run_id))
         .order_by(t.sites.c.id))
    if site_id is not None:
        q = q.where(t.sites.c.id == site_id)
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings()]
    if site_ids is None:
        return rows
    allowed = set(site_ids)  # filtered here: a scope of thousands of ids is no IN list
    return [r for r in rows if r["id"] in allowed]


def scoped_runs(store: Store, site_ids: Collection[int] | None, *, site_id: int | None = None,
                limit: int = 200) -> list[dict[str, Any]]:
    """Runs, newest first (at most ``limit``), of the sites in ``site_ids`` (None = all; only
    ``site_id`` when given): id, site_id, kind, status, as_of, started_at, finished_at, complete,
    verdict and score of the newest score sheet."""
    q = (select(t.runs.c.id, t.runs.c.site_id, t.runs.c.kind, t.runs.c.status, t.runs.c.as_of,
                t.runs.c.started_at, t.runs.c.finished_at, t.runs.c.complete,
                newest_score_value("verdict", t.runs.c.id).label("verdict"),
                newest_score_value("score", t.runs.c.id).label("score"))
         .order_by(t.runs.c.id.desc()))
    if site_id is not None:
        q = q.where(t.runs.c.site_id == site_id)
    elif site_ids is not None:
        ids = sorted(site_ids)
        if len(ids) <= 500:
            q = q.where(t.runs.c.site_id.in_(ids))
        else:  # a large scope: filter as rows come, stop at the limit
            allowed = set(ids)
            found: list[dict[str, Any]] = []
            with store.engine.connect() as conn:
                for row in conn.execute(q).mappings():
                    if row["site_id"] in allowed:
                        found.append(dict(row))
                        if len(found) >= limit:
                            break
            return found
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q.limit(limit)).mappings()]


def newest_full_run_of(store: Store, site_id: int) -> int | None:
    """The site's newest complete full run (manual or scan, completed, complete), or None."""
    q = (select(func.max(t.runs.c.id)).where(
        t.runs.c.site_id == site_id, t.runs.c.status == "completed", t.runs.c.kind.in_(FULL_KINDS),
        t.runs.c.complete.is_(True)))
    with store.engine.connect() as conn:
        found = conn.execute(q).scalar()
    return int(found) if found is not None else None


def score_sheet_of(store: Store, run_id: int) -> dict[str, Any] | None:
    """The run's newest score sheet, or None."""
    q = select(t.scores.c.sheet).where(t.scores.c.run_id == run_id).order_by(t.scores.c.id.desc()).limit(1)
    with store.engine.connect() as conn:
        sheet = conn.execute(q).scalar()
    return sheet_from_store(sheet)
