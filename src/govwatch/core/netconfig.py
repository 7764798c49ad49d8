"""Validation of the ``security`` settings that need more than a type (no network, light imports:
``settings.py`` calls these while loading)."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterable


def parse_hosts(entries: Iterable[str]) -> dict[str, list[str]]:
    """``["name=address", ...]`` as name -> addresses (a name may repeat: IPv4 and IPv6)."""
    hosts: dict[str, list[str]] = {}
    for entry in entries:
        name, sep, address = entry.partition("=")
        name, address = name.strip().lower(), address.strip().strip("[]")
        if not sep or not name or not address:
            raise ValueError(f"expected name=address, got {entry!r}")
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise ValueError(f"{address!r} in {entry!r} is not an IP address") from None
        hosts.setdefault(name, []).append(address)
    return hosts


def check_ca_file(path: str) -> None:
    """Raise ValueError unless ``path`` is empty or a readable PEM file of CA certificates."""
    if not path:
        return
    try:
        ssl.create_default_context().load_verify_locations(cafile=path)
    except FileNotFoundError:
        raise ValueError(f"no such file {path!r}") from None
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"{path!r} is not a PEM file of CA certificates ({exc})") from None
