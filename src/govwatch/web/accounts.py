"""Accounts: creating users with a role and its scope, listing them, issuing API tokens.

Used by ``govwatch user add`` / ``user list`` / ``token create`` (and later the 管理 pages), so
the rules are in one place: a role of :data:`~govwatch.web.auth.ROLES`; a manager or viewer
names exactly one org (``--org CODE``), an operator one or more sites (``--site URL``), an admin
neither; a password of at least 8 characters, stored only as its argon2 hash.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from govwatch.registry.errors import RegistryError
from govwatch.registry.filings import site_by_url
from govwatch.registry.orgs import org_by_code
from govwatch.store import web_rows
from govwatch.store.db import Store
from govwatch.web.auth import ROLES, check_password_rules, create_api_token, hash_password

__all__ = ["AccountError", "add_account", "account_rows", "set_account_disabled", "issue_api_token", "NAME_PATTERN"]

NAME_PATTERN = re.compile(r"[\w.@-]{1,64}")  # letters (Chinese too), digits, _ . @ -


class AccountError(ValueError):
    """An account cannot be created or found as asked (the message says why)."""


def add_account(store: Store, name: str, role: str, password: str, *, org_code: str | None = None,
                site_urls: Sequence[str] = ()) -> int:
    """Create the user; returns its id. :class:`AccountError` for a bad name, role, scope or password."""
    if not NAME_PATTERN.fullmatch(name):
        raise AccountError(f"bad user name {name!r}: 1-64 letters, digits, _ . @ -")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    if web_rows.user_by_name(store, name) is not None:
        raise AccountError(f"a user named {name!r} exists already")
    org_id = None
    site_ids: list[int] = []
    try:
        if role in ("manager", "viewer"):
            if not org_code or site_urls:
                raise AccountError(f"a {role} needs --org CODE (their org and every org below it), and no --site")
            org_id = org_by_code(store, org_code).id
        elif role == "operator":
            if not site_urls or org_code:
                raise AccountError("an operator needs one or more --site URL (their own sites), and no --org")
            site_ids = [site_by_url(store, url)[0] for url in site_urls]
        elif org_code or site_urls:
            raise AccountError("an admin sees everything: give neither --org nor --site")
    except RegistryError as exc:
        raise AccountError(str(exc)) from None
    problem = check_password_rules(password)
    if problem is not None:
        raise AccountError(problem)
    return web_rows.add_user(store, name, role, hash_password(password), org_id=org_id, site_ids=site_ids)


def account_rows(store: Store) -> list[dict[str, Any]]:
    """Every user: id, name, role, org_code, org_name, sites (an operator's count), created_at, disabled."""
    return web_rows.user_rows(store)


def set_account_disabled(store: Store, user_id: int, disabled: bool = True) -> None:
    """Disable a user (their sessions and API tokens stop working at once), or enable them again;
    :class:`AccountError` when there is no such user."""
    if not web_rows.set_user_disabled(store, user_id, disabled):
        raise AccountError(f"no user with id {user_id}")


def issue_api_token(store: Store, name: str) -> str:
    """A new API token for the user ``name``, to show once; :class:`AccountError` when there is none."""
    found = web_rows.user_by_name(store, name)
    if found is None:
        raise AccountError(f"no user named {name!r} (create one with `govwatch user add`)")
    return create_api_token(store, int(found[0]["id"]))
