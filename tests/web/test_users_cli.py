"""``govwatch user add|list`` and ``govwatch token create``, run as the real command: the password
comes from standard input only, the token printed once works for the API as that user."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from govwatch.core.settings import Settings
from govwatch.registry import import_file
from govwatch.store import tables as t
from govwatch.store.db import Store
from govwatch.web.app import create_app
from govwatch.web.auth import ROLES, login, verify_password
from tests.registry.registry_helpers import PROVINCE, write_csv


def govwatch(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govwatch", *args], input=stdin, capture_output=True, text=True,
                          timeout=120)


def _province(tmp_path: Path) -> str:
    db = str(tmp_path / "gw.db")
    store = Store(db)
    assert import_file(store, write_csv(tmp_path / "p.csv", PROVINCE)).imported
    store.close()
    return db


def _users(db: str) -> dict[str, dict[str, object]]:
    store = Store(db)
    with store.engine.connect() as conn:
        rows = {r["name"]: dict(r) for r in conn.execute(select(t.users)).mappings()}
    store.close()
    return rows


def test_user_add_reads_the_password_from_stdin_and_stores_only_its_hash(tmp_path: Path) -> None:
    db = _province(tmp_path)
    done = govwatch("user", "add", "张三", "--role", "manager", "--org", "450100", "--db", db, stdin="long-enough-1\n")
    assert done.returncode == 0, done.stderr
    user = _users(db)["张三"]
    assert user["role"] == "manager" and str(user["password_hash"]).startswith("$argon2id$")
    assert verify_password(str(user["password_hash"]), "long-enough-1")  # the newline is not part of it
    store = Store(db)
    found = login(store, Settings().web, "张三", "long-enough-1", "127.0.0.1")
    assert found is not None and found.role == "manager"


def test_a_password_is_never_taken_from_an_argument(tmp_path: Path) -> None:
    db = _province(tmp_path)
    done = govwatch("user", "add", "admin", "--role", "admin", "--password", "long-enough-1", "--db", db)
    assert done.returncode == 2 and "unrecognized arguments: --password" in done.stderr
    assert _users(db) == {}


def test_empty_short_or_mismatched_scope_is_refused(tmp_path: Path) -> None:
    db = _province(tmp_path)
    for args, stdin, reason in (
            (["admin", "--role", "admin"], "\n", "密码不能为空"),
            (["admin", "--role", "admin"], "short7!\n", "至少需要8个字符"),
            (["mgr", "--role", "manager"], "long-enough-1\n", "needs --org CODE"),
            (["mgr", "--role", "manager", "--org", "999999"], "long-enough-1\n", "没有机构代码为 '999999' 的机构"),
            (["op", "--role", "operator"], "long-enough-1\n", "needs one or more --site URL"),
            (["op", "--role", "operator", "--site", "http://unknown.example/"], "long-enough-1\n", "系统中没有首页为 http://unknown.example/ 的网站"),
            (["root", "--role", "admin", "--org", "450100"], "long-enough-1\n", "neither --org nor --site"),
            (["bad name", "--role", "admin"], "long-enough-1\n", "bad user name"),
    ):
        done = govwatch("user", "add", *args, "--db", db, stdin=stdin)
        assert done.returncode == 2 and reason in done.stderr, (args, done.stderr)
    assert _users(db) == {}


def test_token_create_prints_a_token_that_acts_as_the_user(tmp_path: Path) -> None:
    db = _province(tmp_path)
    assert govwatch("user", "add", "ops", "--role", "operator", "--site", "http://www.qs.gov.cn/", "--db", db,
                    stdin="long-enough-1\n").returncode == 0
    done = govwatch("token", "create", "ops", "--db", db)
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert token.startswith("gw_") and "仅显示这一次" in done.stderr
    store = Store(db)
    with store.engine.connect() as conn:
        stored = conn.execute(select(t.api_tokens.c.token_hash)).scalars().all()
    assert len(stored) == 1 and token not in stored[0]
    with TestClient(create_app(store, Settings())) as client:
        sites = client.get("/api/v1/sites", headers={"Authorization": f"Bearer {token}"}).json()["sites"]
    assert [s["url"] for s in sites] == ["http://www.qs.gov.cn/"]
    assert govwatch("token", "create", "nobody", "--db", db).returncode == 2


def test_user_list_shows_roles_and_scopes(tmp_path: Path) -> None:
    db = _province(tmp_path)
    assert govwatch("user", "list", "--db", db).stdout == ""
    govwatch("user", "add", "root", "--role", "admin", "--db", db, stdin="long-enough-1\n")
    govwatch("user", "add", "viewer1", "--role", "viewer", "--org", "450121", "--db", db, stdin="long-enough-1\n")
    lines = [line.split("\t")[:3] for line in govwatch("user", "list", "--db", db).stdout.splitlines()]
    assert lines == [["root", "admin", "all"], ["viewer1", "viewer", "org 450121 青山县"]]


def test_the_cli_roles_are_the_web_roles() -> None:
    from govwatch.commands.main import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    user = sub.choices["user"]  # type: ignore[union-attr]
    add = next(a for a in user._actions if a.dest == "user_command").choices["add"]  # type: ignore[union-attr]
    assert tuple(next(a for a in add._actions if a.dest == "role").choices) == ROLES
