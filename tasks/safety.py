"""Address checks that stop a hostile feed, sitemap or redirect from probing internal services.

Trust follows who named the URL. A URL the user gave (command line, sources file) is fetched
whatever its address: people run newsmill against their own intranet or a local test site. A URL
that newsmill *found* (a feed item, a sitemap entry, a redirect ``Location``) is refused with
``blocked_address`` when its host resolves to a loopback, private, link-local, multicast, reserved
or unspecified address, unless it is one of the hosts the user named for that source. So a feed on
``127.0.0.1`` may link to its own articles, but not to ``127.0.0.2`` or ``169.254.169.254``.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class Refusal:
    error: str  # bad_url | blocked_address | dns
    detail: str


def host_of(url: str) -> str:
    """The lower-case host name of ``url`` (no port), "" when there is none."""
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast
            or ip.is_reserved or ip.is_unspecified)


def resolve(host: str, port: int | None = None) -> list[str]:
    """All addresses ``host`` resolves to; raises ``socket.gaierror`` when it does not resolve."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port or 80, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def check_scheme(url: str) -> Refusal | None:
    try:
        parts = urlsplit(url)
    except ValueError as e:
        return Refusal("bad_url", f"unparsable URL: {e}")
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return Refusal("bad_url", f"scheme {parts.scheme or '(none)'!r} refused: only http and https are fetched")
    if not parts.hostname:
        return Refusal("bad_url", "URL has no host")
    return None


def check_url(url: str, trusted_hosts: frozenset[str] | set[str] | None) -> Refusal | None:
    """Refuse ``url`` unless its scheme is http(s) and its address is public or trusted.

    ``trusted_hosts=None`` means the URL itself was given by the user: only the scheme is checked.
    """
    bad = check_scheme(url)
    if bad is not None or trusted_hosts is None:
        return bad
    host = host_of(url)
    if host in trusted_hosts:
        return None
    try:
        port = urlsplit(url).port
    except ValueError as e:
        return Refusal("bad_url", f"bad port: {e}")
    try:
        addresses = resolve(host, port)
    except (socket.gaierror, UnicodeError) as e:
        return Refusal("dns", f"cannot resolve {host}: {e}")
    internal = [a for a in addresses if is_internal(a)]
    if internal:
        return Refusal("blocked_address",
                       f"{host} resolves to non-public address {internal[0]}; only the source's own "
                       f"hosts ({', '.join(sorted(trusted_hosts)) or 'none'}) may be internal")
    return None
