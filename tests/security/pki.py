"""A throwaway test PKI made with ``cryptography``: root CA → intermediate CA → leaf certificates."""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


@dataclass
class Leaf:
    certfile: Path  # the chain the server sends (leaf, then the intermediate when sent)
    keyfile: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.certfile, self.keyfile)
        return ctx


class TestPKI:
    """Root and intermediate CAs in ``folder``; ``root_file`` is what clients trust."""

    __test__ = False  # not a test class

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        now = datetime.now(UTC)
        self.root = self._issue(_name("govwatch test root CA"), None, ca=True, start=now - timedelta(days=1),
                                end=now + timedelta(days=3650))
        self.intermediate = self._issue(_name("govwatch test intermediate CA"), self.root, ca=True,
                                        start=now - timedelta(days=1), end=now + timedelta(days=1825))
        self.root_file = folder / "root.pem"
        self.root_file.write_bytes(_pem(self.root.cert))
        self.intermediate_der = self.intermediate.cert.public_bytes(serialization.Encoding.DER)
        self._count = 0

    @staticmethod
    def _issue(subject: x509.Name, issuer: Issued | None, *, ca: bool, start: datetime, end: datetime,
               dns: tuple[str, ...] = (), ips: tuple[str, ...] = (), aia_url: str | None = None) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (x509.CertificateBuilder().subject_name(subject)
                   .issuer_name(issuer.cert.subject if issuer else subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(start).not_valid_after(end)
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if ca:
            builder = builder.add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
                critical=True)
        names = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        if aia_url:
            builder = builder.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(aia_url))]), critical=False)
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        if issuer is not None:
            builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                issuer.key.public_key()), critical=False)
        signer = issuer.key if issuer else key
        return Issued(builder.sign(signer, hashes.SHA256()), key)

    def leaf(self, *, dns: tuple[str, ...] = (), ips: tuple[str, ...] = ("127.0.0.1",), valid_from_days: int = -1,
             valid_to_days: int = 365, send_intermediate: bool = True, aia_url: str | None = None,
             self_signed: bool = False) -> Leaf:
        """A leaf certificate (issued by the intermediate unless ``self_signed``) and its key, as files."""
        now = datetime.now(UTC)
        cn = (dns or ips)[0]
        issued = self._issue(_name(cn), None if self_signed else self.intermediate, ca=False,
                             start=now + timedelta(days=valid_from_days), end=now + timedelta(days=valid_to_days),
                             dns=dns, ips=ips, aia_url=aia_url)
        self._count += 1
        certfile = self.folder / f"leaf{self._count}.pem"
        keyfile = self.folder / f"leaf{self._count}.key"
        chain = _pem(issued.cert) + (_pem(self.intermediate.cert) if send_intermediate and not self_signed else b"")
        certfile.write_bytes(chain)
        keyfile.write_bytes(issued.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
        return Leaf(certfile, keyfile)
