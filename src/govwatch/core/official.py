"""Hosts that are no security sign: official services, central news sites, common embeds.

The lists are data (``govwatch/data/official_hosts.yaml``, with its sources); an entry matches
the host itself and every subdomain. Extraction uses them to keep benign links out of the
stored facts (``govwatch.extract.security_signs``), the security checks to judge what was stored.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

import yaml

__all__ = ["hostname", "official_host", "benign_link_host", "benign_embed_host", "host_lists"]


@lru_cache(maxsize=1)
def host_lists() -> dict[str, tuple[str, ...]]:
    """``official``, ``media`` and ``embeds`` entries of the shipped file, lower-cased."""
    text = resources.files("govwatch.data").joinpath("official_hosts.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {key: tuple(str(h).strip().lower().lstrip(".") for h in data.get(key) or ())
            for key in ("official", "media", "embeds")}


def hostname(url: str) -> str:
    """The lower-cased host of an absolute URL, without port or credentials ("" when none)."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""


def _listed(host: str, entries: tuple[str, ...]) -> bool:
    return any(host == e or host.endswith("." + e) for e in entries)


@lru_cache(maxsize=8192)
def official_host(host: str) -> bool:
    """A government or state service host (gov.cn, 12377.cn, conac.cn, ...)."""
    return bool(host) and _listed(host, host_lists()["official"])


@lru_cache(maxsize=8192)
def benign_link_host(host: str) -> bool:
    """A host whose links are benign even when hidden: official services and central news sites."""
    return official_host(host) or _listed(host, host_lists()["media"])


@lru_cache(maxsize=8192)
def benign_embed_host(host: str) -> bool:
    """A host whose scripts and frames are benign: the link hosts plus statistics, maps, players, CDNs."""
    return benign_link_host(host) or _listed(host, host_lists()["embeds"])
