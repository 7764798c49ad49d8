"""``govwatch user add|list`` and ``govwatch token create``: dashboard and API accounts (thin:
parse, call :mod:`govwatch.web.accounts`, print).

The password is read from standard input (asked twice on a terminal), never from an argument:
arguments show in ``ps`` and in shell history.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from govwatch.commands.common import EXIT_OK, UsageError, add_store_flags, cli_settings, console, open_store, plain

ROLE_HELP = "admin: everything; manager: their org subtree; viewer: read their org subtree; operator: their own sites"


def read_password() -> str:
    """The new password: asked twice (not echoed) on a terminal, else the first line of standard input."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("密码: ")
        if getpass.getpass("再次输入密码: ") != first:
            raise UsageError("两次输入的密码不一致")
        return first
    line = sys.stdin.readline()
    return line[:-1] if line.endswith("\n") else line


def cmd_user_add(args: argparse.Namespace) -> int:
    from govwatch.web.accounts import AccountError, add_account

    store = open_store(cli_settings(args))
    try:
        password = read_password()
        user_id = add_account(store, args.name, args.role, password, org_code=args.org, site_urls=args.site or ())
    except AccountError as exc:
        raise UsageError(str(exc)) from None
    finally:
        store.close()
    plain(console, f"已创建用户 {args.name}（角色 {args.role}），编号 {user_id}")
    return EXIT_OK


def cmd_user_list(args: argparse.Namespace) -> int:
    from govwatch.web.accounts import account_rows

    store = open_store(cli_settings(args))
    try:
        rows = account_rows(store)
    finally:
        store.close()
    for row in rows:
        scope = (f"org {row['org_code']} {row['org_name']}" if row["org_code"] else
                 f"{row['sites']} site{'s' * (row['sites'] != 1)}" if row["role"] == "operator" else "all")
        state = " (disabled)" if row["disabled"] else ""
        sys.stdout.write(f"{row['name']}\t{row['role']}\t{scope}\t{row['created_at']}{state}\n")
    if not rows:
        plain(console, "尚无用户：用 govwatch user add NAME --role admin 创建")
    return EXIT_OK


def cmd_token_create(args: argparse.Namespace) -> int:
    from govwatch.web.accounts import AccountError, issue_api_token

    store = open_store(cli_settings(args))
    try:
        token = issue_api_token(store, args.user)
    except AccountError as exc:
        raise UsageError(str(exc)) from None
    finally:
        store.close()
    sys.stdout.write(token + "\n")
    plain(console, f"{args.user} 的 API 令牌（仅显示这一次，库中只保存其哈希值）；"
                   "调用 /api/v1 时以 'Authorization: Bearer TOKEN' 发送")
    return EXIT_OK


def add_user_commands(sub: Any) -> None:
    """Register ``user`` (add, list) and ``token`` (create) on the CLI's subparsers."""
    user = sub.add_parser("user", help="dashboard and API accounts: add, list",
                          description="Accounts of the web dashboard and REST API (docs/web.md).")
    usub = user.add_subparsers(dest="user_command", required=True, metavar="COMMAND")
    p = usub.add_parser("add", help="create a user; the password is read from standard input",
                        description="Create a user. The password is read from standard input (asked twice on a "
                                    "terminal), never from an argument; at least 8 characters.")
    p.add_argument("name", help="user name (letters, digits, _ . @ -)")
    p.add_argument("--role", required=True, choices=("admin", "manager", "viewer", "operator"), help=ROLE_HELP)
    p.add_argument("--org", metavar="CODE", help="a manager's or viewer's org (that org and every org below it)")
    p.add_argument("--site", action="append", metavar="URL", help="an operator's site homepage (repeatable)")
    add_store_flags(p)
    p.set_defaults(func=cmd_user_add)
    p = usub.add_parser("list", help="list the users", description="List the users with their role and scope.")
    add_store_flags(p)
    p.set_defaults(func=cmd_user_list)

    token = sub.add_parser("token", help="REST API tokens: create",
                           description="Tokens for the REST API (Authorization: Bearer TOKEN).")
    tsub = token.add_subparsers(dest="token_command", required=True, metavar="COMMAND")
    p = tsub.add_parser("create", help="create an API token for a user and print it (once)",
                        description="Create an API token for USER and print it once; only its hash is stored.")
    p.add_argument("user", help="the user the token acts as (with that user's role and scope)")
    add_store_flags(p)
    p.set_defaults(func=cmd_token_create)
