"""Which network addresses a crawl may connect to (the SSRF guard).

A crawled page can link to ``http://127.0.0.1:8080/``, ``http://10.0.0.5/``, the cloud metadata
service ``169.254.169.254`` or an intranet name; govwatch must never reach them for a site it does
not control. The transport asks :meth:`AddressGuard.allows` for every address it is about to connect
to, *after* DNS resolution and on every redirect hop (``crawl/curl.py``), and the headless browser
asks :meth:`AddressGuard.allows_all` for every request, with the addresses it resolved (``crawl/render.py``).

An address is public when it is globally routable and not multicast (IPv4-mapped, 6to4 and NAT64
IPv6 addresses are judged by the IPv4 address they carry). Anything else -- loopback, private,
link-local (the metadata service), CGNAT, multicast, unspecified, reserved -- is blocked, unless

* the host is the site's own: the seed URL's host name and port (the site lives there), or
* the operator allow-listed it: ``crawl.allow_private`` holds networks (``127.0.0.0/8``, ``::1``)
  and host names (``intranet.example``, ``*.intranet.example``).

The module is pure: it never resolves a name itself.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from govwatch.core.model import ErrorClass
from govwatch.core.settings import allow_private_entry

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
BLOCKED_CLASS: ErrorClass = "blocked_address"  # the fetch row's error class for a refused connection
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _carried_ipv4(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address carries (mapped ``::ffff:a.b.c.d``, 6to4, NAT64), else itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def address_kind(address: str) -> str | None:
    """Why ``address`` (an IP address as text) must not be reached -- ``loopback``, ``private``,
    ``link-local``, ``CGNAT``, ``multicast``, ``unspecified``, ``reserved`` -- or None when it is public.
    Text that is no IP address is ``invalid``."""
    try:
        ip = _carried_ipv4(ipaddress.ip_address(address.split("%", 1)[0]))
    except ValueError:
        return "invalid"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "CGNAT"
    if ip.is_private or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local):
        return "private"
    if not ip.is_global:
        return "reserved"
    return None


def url_target(url: str) -> tuple[str, int] | None:
    """The lower-case host name and port of an http(s) URL, or None."""
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if not parts.hostname or port is None:
        return None
    return parts.hostname.lower().rstrip("."), port


@dataclass(frozen=True, slots=True)
class AddressGuard:
    """The connection policy of one run: public addresses, the site's own host, the allow list."""

    site_hosts: frozenset[tuple[str, int]] = frozenset()  # (host name, port) the site lives at
    networks: tuple[IPNetwork, ...] = ()
    names: frozenset[str] = frozenset()  # exact host names; "*.x" entries are kept as ".x" suffixes

    @classmethod
    def for_site(cls, seed_url: str, allow_private: Iterable[str] = ()) -> AddressGuard:
        """The guard of a run whose site is at ``seed_url``. A seed on a default port also allows its
        host on the other scheme's default port (http → https upgrade). ``allow_private`` entries are
        validated by :func:`~govwatch.core.settings.allow_private_entry` (ValueError when unusable)."""
        networks: list[IPNetwork] = []
        names: set[str] = set()
        for entry in allow_private:
            parsed = allow_private_entry(entry)
            if isinstance(parsed, str):
                names.add(parsed[1:] if parsed.startswith("*.") else parsed)
            else:
                networks.append(parsed)
        site: set[tuple[str, int]] = set()
        if (seed := url_target(seed_url)) is not None:
            site.add(seed)
            if seed[1] in _DEFAULT_PORTS.values():
                site.update((seed[0], port) for port in _DEFAULT_PORTS.values())
        return cls(frozenset(site), tuple(networks), frozenset(names))

    def _host_allowed(self, host: str, port: int) -> bool:
        host = host.lower().rstrip(".")
        if (host, port) in self.site_hosts or host in self.names:
            return True
        return any(host.endswith(name) for name in self.names if name.startswith("."))

    def refusal(self, host: str, port: int, address: str) -> str | None:
        """Why connecting to ``address`` (resolved from ``host``, for ``port``) is refused, or None."""
        kind = address_kind(address)
        if kind is None or self._host_allowed(host, port):
            return None
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return f"{host} resolved to an unusable address {address!r}"
        if any(_carried_ipv4(ip) in net or ip in net for net in self.networks):
            return None
        shown = host if host == address else f"{host} ({address})"
        return f"{shown} is a {kind} address; not the site's own host nor in crawl.allow_private"

    def allows(self, host: str, port: int, address: str) -> bool:
        """May the crawl connect to ``address`` for ``host``:``port``?"""
        return self.refusal(host, port, address) is None

    def allows_all(self, host: str, port: int, addresses: Iterable[str]) -> bool:
        """Whether every address ``host`` resolved to may be reached (the browser's check)."""
        return all(self.allows(host, port, address) for address in addresses)
