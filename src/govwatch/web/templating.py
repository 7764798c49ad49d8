"""The dashboard's Jinja2 templates (``web/templates/``, autoescaping always on) and :func:`render`,
which every page uses: it adds the signed-in user and the CSRF token that every form must carry.

Crawled text (titles, link texts, messages, footers) is attacker-controlled: templates print it
escaped and never mark it safe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from govwatch.registry.fields import LEVEL_LABELS
from govwatch.web.auth import CSRF_FIELD, request_session

__all__ = ["TEMPLATES_DIR", "make_templates", "render"]

TEMPLATES_DIR = Path(__file__).parent / "templates"


def make_templates() -> Jinja2Templates:
    """The templates, with autoescaping on for every file (``.html.j2`` names included: Jinja's
    extension-based default would leave them unescaped). Global ``level_labels``: the registry's
    words for an org's level (``county`` → 县级)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.globals["level_labels"] = LEVEL_LABELS
    return Jinja2Templates(env=env)


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200,
           headers: dict[str, str] | None = None) -> Response:
    """The template ``name`` with ``context``, the signed-in ``user`` (None before login) and the
    session's ``csrf_token`` ("" without a session: the login form passes its own)."""
    session = request_session(request)
    values = {"user": session.user if session else None, "csrf_token": session.csrf_token if session else "",
              "csrf_field": CSRF_FIELD}
    values.update(context or {})
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, values, status_code=status_code, headers=headers)
