"""HTTPS, TLS certificate and IPv6 facts of a site's homepage host.

:func:`probe_transport` answers: does plain HTTP redirect to HTTPS, does HTTPS answer, and
what does the certificate say (validity dates and days left, hostname match, whether it
verifies against the system CAs plus ``security.ca_file``). A chain that fails with
"unable to get local issuer certificate" while the leaf names its issuer's download
location (AIA caIssuers) is retried with that issuer: when it then verifies, the server
simply does not send its intermediate — browsers fetch it themselves, so it is a warning,
not an outage. :func:`probe_ipv6` looks up AAAA records and GETs the homepage over IPv6.

Everything is bounded by ``security.timeout``; failures are recorded in the facts, never raised.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import ipaddress
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:  # cryptography (16 MB) is imported only when a certificate is read
    from cryptography import x509

from govwatch.crawl.sitefacts.http import (
    Resolver,
    get_page,
    is_ip,
    make_session,
    unverified_context,
    verifying_context,
)

# OpenSSL verify codes (X509_V_ERR_*) the chain is classified by (checks/transport.py reads the rest).
V_UNABLE_TO_GET_ISSUER = 2
V_SELF_SIGNED = 18
V_SELF_SIGNED_IN_CHAIN = 19
V_UNABLE_TO_GET_LOCAL_ISSUER = 20
_ISSUER_MISSING = (V_UNABLE_TO_GET_ISSUER, V_UNABLE_TO_GET_LOCAL_ISSUER)


def _now() -> datetime:
    return datetime.now(UTC)


# -- certificates --------------------------------------------------------------------


def _names(cert: x509.Certificate) -> tuple[list[str], list[str]]:
    """DNS names and IP addresses the certificate is for (SAN; the CN when it has no SAN)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = [str(n) for n in san.get_values_for_type(x509.DNSName)]
        ips = [str(n) for n in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        dns, ips = [], []
    if not dns and not ips:
        dns = [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return dns, ips


def hostname_matches(host: str, dns: list[str], ips: list[str]) -> bool:
    """RFC 6125 matching: exact names, a wildcard for one left-most label, IP addresses exactly."""
    host = host.lower().rstrip(".")
    if is_ip(host):
        wanted = ipaddress.ip_address(host)
        return any(ipaddress.ip_address(ip) == wanted for ip in ips)
    for name in (n.lower().rstrip(".") for n in dns):
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:] and name.count(".") >= 2:
            return True
    return False


def _common_name(name: x509.Name) -> str:
    from cryptography.x509.oid import NameOID
    cn = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(cn[0].value) if cn else name.rfc4514_string()


def _aia_issuers(cert: x509.Certificate) -> list[str]:
    from cryptography import x509
    from cryptography.x509.oid import AuthorityInformationAccessOID
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return []
    return [str(d.access_location.value) for d in aia
            if d.access_method == AuthorityInformationAccessOID.CA_ISSUERS
            and isinstance(d.access_location, x509.UniformResourceIdentifier)]


def cert_facts(der: bytes, host: str, now: datetime) -> dict[str, Any]:
    """What a leaf certificate says, judged for ``host`` at ``now``."""
    from cryptography import x509
    cert = x509.load_der_x509_certificate(der)
    dns, ips = _names(cert)
    not_after = cert.not_valid_after_utc
    not_before = cert.not_valid_before_utc
    return {
        "subject": _common_name(cert.subject), "issuer": _common_name(cert.issuer),
        "dns_names": dns[:50], "ip_addresses": ips[:20],
        "not_before": not_before.isoformat(), "not_after": not_after.isoformat(),
        "days_left": (not_after - now).days if not_after >= now else -((now - not_after).days + 1),
        "not_yet_valid": not_before > now,
        "hostname_match": hostname_matches(host, dns, ips),
        "self_signed": cert.issuer == cert.subject,
        "aia_issuers": _aia_issuers(cert)[:5],
        "serial": format(cert.serial_number, "x"),
        "sha256": hashlib.sha256(der).hexdigest(),
    }


def _issuer_pem(data: bytes) -> str:
    """An issuer certificate downloaded from AIA (DER, PEM or PKCS#7) as PEM text."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
    loaders: list[Callable[[bytes], list[x509.Certificate]]] = [
        lambda d: [x509.load_der_x509_certificate(d)], lambda d: [x509.load_pem_x509_certificate(d)],
        pkcs7.load_der_pkcs7_certificates, pkcs7.load_pem_pkcs7_certificates]
    for load in loaders:
        try:
            certs = load(data)
        except ValueError:
            continue
        if certs:
            return "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in certs)
    raise ValueError("not a certificate (DER, PEM or PKCS#7)")


# -- TLS handshakes --------------------------------------------------------------------


@dataclass(slots=True)
class Handshake:
    der: bytes | None = None
    protocol: str | None = None
    cipher: str | None = None
    verify_code: int | None = None
    verify_message: str | None = None
    error: str | None = None  # no handshake at all (connect failure, not TLS, timeout)


async def handshake(address: str, port: int, host: str, ctx: ssl.SSLContext, timeout: float) -> Handshake:
    """One TLS handshake with ``address``:``port`` for ``host`` (SNI and hostname check)."""
    try:
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(address, port, ssl=ctx, server_hostname=host,
                                    ssl_handshake_timeout=timeout), timeout)
    except asyncio.CancelledError:
        raise
    except ssl.SSLCertVerificationError as exc:
        return Handshake(verify_code=exc.verify_code, verify_message=exc.verify_message)
    except ssl.SSLError as exc:
        return Handshake(error=f"tls: {exc.reason or exc}")
    except TimeoutError:
        return Handshake(error=f"timeout: no TLS handshake within {timeout:g} s")
    except OSError as exc:
        return Handshake(error=f"connect: {exc.strerror or exc}")
    sslobj = writer.get_extra_info("ssl_object")
    result = Handshake(der=sslobj.getpeercert(binary_form=True), protocol=sslobj.version(),
                       cipher=(sslobj.cipher() or (None,))[0])
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 1.0)
    except (OSError, ssl.SSLError, TimeoutError):
        pass
    return result


async def tls_facts(host: str, port: int, resolver: Resolver, *, ca_file: str, timeout: float,
                    fetch_issuer: Callable[[str], Any]) -> dict[str, Any]:
    """The certificate and chain facts of ``host``:``port``. ``fetch_issuer(url)`` is awaited
    to download an issuer named by AIA; it returns (bytes or None, error or None)."""
    facts: dict[str, Any] = {"host": host, "port": port, "probed_at": _now().isoformat(timespec="seconds")}
    try:
        address = (await resolver.addresses(host, port))[0]
    except OSError as exc:
        return {**facts, "handshake": False, "error": f"dns: {exc}"}
    facts["address"] = address
    plain = await handshake(address, port, host, unverified_context(), timeout)
    if plain.der is None:
        return {**facts, "handshake": False, "error": plain.error or "未取得证书"}
    facts.update(handshake=True, protocol=plain.protocol, cipher=plain.cipher,
                 cert=cert_facts(plain.der, host, _now()))
    verified = await handshake(address, port, host, verifying_context(ca_file), timeout)
    facts.update(verified=verified.der is not None, verify_code=verified.verify_code,
                 verify_message=verified.verify_message or verified.error, chain="complete", aia=None)
    if verified.der is not None:
        return facts
    if verified.verify_code is None:  # the second connection failed: the chain was not judged
        facts["chain"] = "unknown"
        return facts
    cert = facts["cert"]
    if verified.verify_code == V_SELF_SIGNED or cert["self_signed"]:
        facts["chain"] = "self_signed"
    elif verified.verify_code == V_SELF_SIGNED_IN_CHAIN:
        facts["chain"] = "untrusted"
    elif verified.verify_code in _ISSUER_MISSING:
        facts["chain"] = "untrusted"
        if cert["aia_issuers"]:
            facts.update(await _complete_by_aia(address, port, host, cert["aia_issuers"][0], ca_file, timeout,
                                                fetch_issuer))
    return facts


async def _complete_by_aia(address: str, port: int, host: str, aia_url: str, ca_file: str, timeout: float,
                           fetch_issuer: Callable[[str], Any]) -> dict[str, Any]:
    """Retry verification with the issuer the leaf names. Verified then (or any error but a
    missing issuer): the server omits its intermediate. Not downloadable: presumed so too."""
    data, error = await fetch_issuer(aia_url)
    aia: dict[str, Any] = {"url": aia_url, "fetched": data is not None, "error": error, "confirmed": False}
    if data is None:
        return {"chain": "incomplete", "aia": aia}
    try:
        issuer = _issuer_pem(data)
        retry = await handshake(address, port, host, verifying_context(ca_file, issuer), timeout)
    except (ValueError, ssl.SSLError) as exc:
        return {"chain": "untrusted", "aia": {**aia, "error": f"签发者证书无法使用：{exc}"}}
    if retry.der is None and (retry.verify_code is None or retry.verify_code in _ISSUER_MISSING):
        return {"chain": "untrusted", "aia": {**aia, "error": retry.error or "按AIA下载的签发者证书"
                                                                             "也无法验证到受信任的根证书"}}
    aia["confirmed"] = True
    return {"chain": "incomplete", "aia": aia, "verified_with_aia": retry.der is not None,
            "verify_code": retry.verify_code, "verify_message": retry.verify_message}


# -- HTTPS, HTTP redirect ------------------------------------------------------------------


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _origin(scheme: str, host: str, port: int | None = None) -> str:
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _default_port(scheme):
        netloc += f":{port}"
    return urlunsplit((scheme, netloc, "/", "", ""))


async def probe_transport(homepage: str, resolver: Resolver, *, user_agent: str, ca_file: str, timeout: float,
                          allowed: Callable[[str], bool]) -> dict[str, Any]:
    """HTTP → HTTPS redirect, HTTPS answer and TLS facts of the homepage's host.

    An http homepage is fetched; if it ends on https that URL is the HTTPS target, else
    ``https://host/`` (port 443). An https homepage is the target itself, and ``http://host/``
    (port 80) is asked whether it redirects. ``allowed`` limits issuer downloads (AIA).
    """
    parts = urlsplit(homepage)
    host = parts.hostname or ""
    async with make_session(resolver, user_agent=user_agent) as session:
        http_url = homepage if parts.scheme == "http" else _origin("http", host)
        page = await get_page(session, http_url, timeout=timeout)
        final = page.not_followed or page.final_url
        to_https = urlsplit(final).scheme == "https"
        http = {**page.summary(), "served": page.status is not None, "redirects_to_https": to_https}
        if parts.scheme == "https":
            https_url = homepage
        else:
            https_url = final if to_https else _origin("https", host)
        target = urlsplit(https_url)

        async def fetch_issuer(url: str) -> tuple[bytes | None, str | None]:
            if not allowed(url):
                return None, "未下载：网络设为离线（crawl.network = offline）"
            issuer = await get_page(session, url, timeout=timeout, max_bytes=64 * 1024)
            if issuer.error or issuer.status != 200 or not issuer.body:
                return None, issuer.error or f"HTTP {issuer.status}"
            return issuer.body, None

        tls = await tls_facts(target.hostname or host, target.port or 443, resolver, ca_file=ca_file,
                              timeout=timeout, fetch_issuer=fetch_issuer)
        https: dict[str, Any] = {"url": https_url, "served": False, "status": None, "error": tls.get("error")}
        if tls["handshake"]:
            answer = await get_page(session, https_url, timeout=timeout, max_bytes=64 * 1024)
            https.update(answer.summary(), served=answer.status is not None and answer.status < 400)
    return {"homepage": homepage, "http": http, "https": https, "tls": tls if tls["handshake"] else None}


# -- IPv6 ---------------------------------------------------------------------------------


def _routable(address: str, port: int) -> bool:
    """Whether this machine has a route to an IPv6 address (a UDP connect sends nothing)."""
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        sock.connect((address, port))
        return True
    except OSError as exc:
        return exc.errno not in (errno.ENETUNREACH, errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT)
    finally:
        sock.close()


async def probe_ipv6(homepage: str, resolver: Resolver, *, user_agent: str, timeout: float) -> dict[str, Any]:
    """AAAA records of the homepage's host and a GET of the homepage over IPv6.

    ``status``: ok | no_aaaa | unreachable (no answer over IPv6) | http_error (answered ≥ 400)
    | not_applicable (the site is addressed by an IPv4 address) | local_unavailable (this
    machine cannot reach IPv6 hosts) | dns_error (the lookup failed for another reason).
    """
    parts = urlsplit(homepage)
    host = parts.hostname or ""
    port = parts.port or _default_port(parts.scheme)
    # "detail" says why (a top-level "error" would mean the probe itself failed)
    facts: dict[str, Any] = {"host": host, "addresses": [], "page": None}
    if is_ip(host) and ipaddress.ip_address(host).version == 4:
        return {**facts, "status": "not_applicable", "reason": "网站以IPv4地址访问，不适用"}
    try:
        addresses = await resolver.addresses(host, port, socket.AF_INET6)
    except socket.gaierror as exc:
        no_record = exc.errno in (socket.EAI_NODATA, socket.EAI_NONAME, getattr(socket, "EAI_ADDRFAMILY", -9))
        return {**facts, "status": "no_aaaa" if no_record else "dns_error", "detail": str(exc)}
    except OSError as exc:
        return {**facts, "status": "dns_error", "detail": str(exc)}
    facts["addresses"] = addresses[:10]
    if not _routable(addresses[0], port):
        return {**facts, "status": "local_unavailable", "reason": "本机没有通往IPv6网络的路由，无法检测"}
    async with make_session(resolver, user_agent=user_agent, family=socket.AF_INET6) as session:
        page = await get_page(session, homepage, timeout=timeout, max_bytes=64 * 1024)
    facts["page"] = page.summary()
    if page.status is None:
        return {**facts, "status": "unreachable", "detail": page.error}
    return {**facts, "status": "ok" if page.status < 400 else "http_error"}
