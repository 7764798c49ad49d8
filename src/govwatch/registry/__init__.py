"""The site registry (网站基本信息): orgs, registered sites, 临时报备 filings.

Sites come from an ``.xlsx``/``.csv`` registry file (``govwatch sites import``),
each under an org of the hierarchy province → city → county → township. Other
parts of govwatch call:

- :func:`select_sites` / :func:`skipped_sites` / :func:`selection` — the sites to inspect
  under an org (status 正常) and those left out (例外 / 关停);
- :func:`site_profile` — role, level, has_services, org and identifiers of one site;
- :func:`active_filings` — the filings whose window contains a day;
- :func:`org_path` — the org names from the top down to an org.

See docs/registry.md.
"""

from govwatch.registry.errors import RegistryError, RowProblem, SheetError
from govwatch.registry.filings import active_filings, add_filing, list_filings
from govwatch.registry.importer import ImportResult, import_file, import_sheet
from govwatch.registry.orgs import Org, org_by_code, org_path
from govwatch.registry.sheet import read_sheet, write_sheet
from govwatch.registry.sites import (
    RegisteredSite,
    Selection,
    export_file,
    export_rows,
    registered_sites,
    select_sites,
    selection,
    site_profile,
    skipped_sites,
)

__all__ = [
    "RegistryError", "RowProblem", "SheetError",
    "active_filings", "add_filing", "list_filings",
    "ImportResult", "import_file", "import_sheet",
    "Org", "org_by_code", "org_path",
    "read_sheet", "write_sheet",
    "RegisteredSite", "Selection", "export_file", "export_rows", "registered_sites", "select_sites", "selection",
    "site_profile", "skipped_sites",
]
