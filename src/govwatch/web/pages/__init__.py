"""The dashboard's server-rendered pages, one module per page family (docs/web.md).

Every page reads through :mod:`govwatch.web.scope` (the one place scoping is enforced) and
renders with :func:`govwatch.web.templating.render`; pages stay out of the OpenAPI schema.
"""

from __future__ import annotations

from fastapi import APIRouter

from govwatch.web.pages import admin, alerts, findings, orgs, overview, sites, warnings

router = APIRouter(include_in_schema=False)
for _module in (overview, orgs, sites, findings, warnings, alerts, admin):
    router.include_router(_module.router)
