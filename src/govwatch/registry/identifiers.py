"""Moved to :mod:`govwatch.identifiers` (shared with the identity checks); kept as an alias."""

from govwatch.identifiers import (  # noqa: F401
                                  PROVINCE_ABBRS,
                                  Checked,
                                  check_icp,
                                  check_police_record,
                                  check_site_code,
                                  check_url,
)
