"""Per-site configuration (YAML): column overrides, key columns and business systems.

```yaml
site: {name: 某某县人民政府, site_code: "3300000001"}
columns:
  - url: http://www.example.gov.cn/gzdt/     # a discovered column, matched by URL ...
    type: dynamic                              # retype
  - name: 专题专栏                              # ... or by its discovered name
    exclude: true                              # not judged
  - url: http://www.example.gov.cn/zdxm/       # not discovered: added (name and type required)
    name: 重大项目
    type: other
    key: true                                  # key column (重点栏目): probed like the homepage
    window_days: 30                            # its own update deadline
systems:                                       # business systems (在线办事/查询系统)
  - {name: 网上办事大厅, url: http://zwfw.example.gov.cn/}
```

Unknown keys are errors naming the key and the file; nothing is ignored silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from govwatch.core.settings import ConfigError
from govwatch.core.urls import normalize_url

COLUMN_TYPES = ("homepage", "dynamic", "notice", "policy", "interpretation", "personnel", "plan", "consult",
                "survey", "interview", "service", "data", "other")


@dataclass(slots=True)
class ColumnOverride:
    """One ``columns`` entry: how to treat a column (matched by ``url`` or ``name``)."""

    url: str | None = None
    name: str | None = None  # match by name when no url; with a url: the new name
    type: str | None = None
    exclude: bool = False
    key: bool = False
    window_days: int | None = None


@dataclass(slots=True)
class BusinessSystem:
    """An online service or query system whose entry must stay reachable."""

    name: str
    url: str


@dataclass(slots=True)
class SiteConfig:
    """Everything a site config file says."""

    path: str = ""
    name: str | None = None
    site_code: str | None = None
    columns: list[ColumnOverride] = field(default_factory=list)
    systems: list[BusinessSystem] = field(default_factory=list)

    @property
    def key_columns(self) -> list[ColumnOverride]:
        return [c for c in self.columns if c.key and c.url and not c.exclude]


def _mapping(value: Any, where: str, known: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(value).__name__}")
    unknown = set(value) - known
    if unknown:
        raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(sorted(known))})")
    return value


def _url(value: Any, where: str) -> str:
    url = normalize_url(str(value)) if isinstance(value, str) else None
    if not url:
        raise ConfigError(f"{where}: not an http(s) URL: {value!r}")
    return url


def _column(raw: Any, where: str) -> ColumnOverride:
    data = _mapping(raw, where, {"url", "name", "type", "exclude", "key", "window_days"})
    col = ColumnOverride()
    if "url" in data:
        col.url = _url(data["url"], f"{where}.url")
    if "name" in data:
        col.name = str(data["name"]).strip() or None
    if col.url is None and col.name is None:
        raise ConfigError(f"{where}: a column needs a url or a name")
    if "type" in data:
        if data["type"] not in COLUMN_TYPES:
            raise ConfigError(f"{where}.type: {data['type']!r} is not a column type ({', '.join(COLUMN_TYPES)})")
        col.type = data["type"]
    for flag in ("exclude", "key"):
        if flag in data:
            if not isinstance(data[flag], bool):
                raise ConfigError(f"{where}.{flag}: expected true or false, got {data[flag]!r}")
            setattr(col, flag, data[flag])
    if "window_days" in data:
        days = data["window_days"]
        if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
            raise ConfigError(f"{where}.window_days: expected a positive number of days, got {days!r}")
        col.window_days = days
    return col


def parse_site_config(data: Any, origin: str) -> SiteConfig:
    """A :class:`SiteConfig` from parsed YAML; ``origin`` names the file in errors."""
    if data is None:
        data = {}
    top = _mapping(data, origin, {"site", "columns", "systems"})
    config = SiteConfig(path=origin)
    if "site" in top:
        site = _mapping(top["site"], f"{origin}: site", {"name", "site_code"})
        config.name = str(site["name"]) if site.get("name") else None
        config.site_code = str(site["site_code"]) if site.get("site_code") else None
    columns = top.get("columns") or []
    if not isinstance(columns, list):
        raise ConfigError(f"{origin}: columns must be a list")
    config.columns = [_column(raw, f"{origin}: columns[{i}]") for i, raw in enumerate(columns)]
    systems = top.get("systems") or []
    if not isinstance(systems, list):
        raise ConfigError(f"{origin}: systems must be a list")
    for i, raw in enumerate(systems):
        where = f"{origin}: systems[{i}]"
        entry = _mapping(raw, where, {"name", "url"})
        if not entry.get("name") or not entry.get("url"):
            raise ConfigError(f"{where}: a system needs a name and a url")
        config.systems.append(BusinessSystem(str(entry["name"]), _url(entry["url"], f"{where}.url")))
    return config


def load_site_config(path: str | Path | None) -> SiteConfig:
    """Read a site config file; ``None`` gives an empty config."""
    if path is None:
        return SiteConfig()
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read site config {path}: {exc.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"site config {path} is not valid YAML: {exc}") from None
    return parse_site_config(data, str(path))
