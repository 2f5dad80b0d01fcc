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
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from requests.models import PreparedRequest
from urllib3.util import parse_url

from newsmill.outcomes import ErrorClass

ALLOWED_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class Refusal:
    error: ErrorClass  # bad_url | blocked_address | dns
    detail: str


@dataclass(frozen=True)
class Target:
    """Where the HTTP client will connect for a URL: scheme, host (lower-case, no brackets, no
    trailing dot) and port (the scheme's default when the URL has none)."""

    scheme: str
    host: str
    port: int


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _clean_host(host: str | None) -> str:
    return (host or "").strip("[]").lower().rstrip(".")


def target(url: str) -> Target | Refusal:
    """Read ``url`` exactly as requests/urllib3 will when they connect, and refuse it when the
    standard library's parser (used for robots.txt, host limits and trust) reads another host or
    port: a URL the two read differently (``http://a:1\\@b:2/``, a percent-encoded host) could
    pass a check made on one reading and connect by the other."""
    prepared = PreparedRequest()
    try:
        prepared.prepare_url(url, None)
        client = parse_url(prepared.url)
    except Exception as e:  # noqa: BLE001 - requests raises InvalidURL, MissingSchema, UnicodeError, ...
        return Refusal(ErrorClass.BAD_URL, f"unparsable URL: {type(e).__name__}: {e}")
    scheme = (client.scheme or "").lower()
    if scheme not in ALLOWED_SCHEMES:
        return Refusal(ErrorClass.BAD_URL, f"scheme {scheme or '(none)'!r} refused: only http and https are fetched")
    host = _clean_host(client.host)
    if not host:
        return Refusal(ErrorClass.BAD_URL, "URL has no host")
    port = client.port or _DEFAULT_PORTS[scheme]
    try:
        std = urlsplit(url.strip())
        std_host, std_port = _clean_host(std.hostname), std.port or _DEFAULT_PORTS.get(std.scheme.lower())
    except ValueError as e:
        return Refusal(ErrorClass.BAD_URL, f"unparsable URL: {e}")
    if (std_host, std_port) != (host, port):
        return Refusal(ErrorClass.BAD_URL, f"ambiguous URL: the HTTP client would connect to {host}:{port} but it "
                                  f"reads as {std_host or '(no host)'}:{std_port}; refused")
    return Target(scheme, host, port)


def host_of(url: str) -> str:
    """The lower-case host name of ``url`` (no port) as the HTTP client reads it, "" when there is
    none or the URL is refused by :func:`target`."""
    t = target(url)
    return t.host if isinstance(t, Target) else ""


def is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # not is_global: also shared address space (100.64.0.0/10) and the other special ranges
    return (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast
            or ip.is_reserved or ip.is_unspecified or not ip.is_global)


def resolve(host: str, port: int | None = None) -> list[str]:
    """All addresses ``host`` resolves to; raises ``socket.gaierror`` when it does not resolve."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port or 80, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def check_scheme(url: str) -> Refusal | None:
    """None when ``url`` is an http(s) URL with a host that the HTTP client and the standard
    parser read alike; else why not."""
    if _typed_without_scheme(url):
        if url.strip().startswith("/"):
            return Refusal(ErrorClass.BAD_URL, f"{url!r} is a path, not a URL: give the whole address (https://host/...)")
        return Refusal(ErrorClass.BAD_URL, f"{url!r} is not a URL: it has no scheme (write https://{url.strip()} "
                                  "or http://...)")
    t = target(url)
    return t if isinstance(t, Refusal) else None


def _typed_without_scheme(url: str) -> bool:
    # "example.com/a", or "localhost:8000/a" whose "scheme" would be "localhost"
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    if not parts.scheme:
        return bool(parts.path.strip("/"))
    return (parts.scheme.lower() not in ALLOWED_SCHEMES and not parts.netloc
            and "//" not in url.split("?", 1)[0] and bool(re.match(r"^\d+(/|$)", parts.path)))


@dataclass(frozen=True)
class Vetted:
    """A URL that passed the address check, and the addresses it was checked at. The HTTP client
    must connect to one of ``addresses`` (see ``newsmill.tasks.fetch``): resolving the name again
    to connect would let a DNS answer that changes in between (DNS rebinding, a TTL of 0) send
    the request to an internal address that was never checked. Empty ``addresses``: the host
    was not checked (the user's own URL, or one of the source's trusted hosts)."""

    target: Target
    addresses: tuple[str, ...] = ()


def vet(url: str, trusted_hosts: frozenset[str] | set[str] | None) -> Refusal | Vetted:
    """Refuse ``url`` unless its scheme is http(s) and its address is public or trusted; else
    where it may be connected to.

    ``trusted_hosts=None`` means the URL itself was given by the user: only the scheme is checked.
    """
    t = target(url)
    if isinstance(t, Refusal):
        return t
    if trusted_hosts is None or t.host in trusted_hosts:
        return Vetted(t)
    host, port = t.host, t.port
    try:
        addresses = resolve(host, port)
    except (socket.gaierror, UnicodeError, OSError) as e:
        return Refusal(ErrorClass.DNS, f"cannot resolve {host}: {e}")
    internal = [a for a in addresses if is_internal(a)]
    if internal:
        return Refusal(ErrorClass.BLOCKED_ADDRESS,
                       f"{host} resolves to non-public address {internal[0]}; only the source's own "
                       f"hosts ({', '.join(sorted(trusted_hosts)) or 'none'}) may be internal")
    if not addresses:
        return Refusal(ErrorClass.DNS, f"{host} resolves to no address")
    return Vetted(t, tuple(addresses))


def check_url(url: str, trusted_hosts: frozenset[str] | set[str] | None) -> Refusal | None:
    """:func:`vet` without the addresses: None when ``url`` may be fetched, else why not."""
    v = vet(url, trusted_hosts)
    return v if isinstance(v, Refusal) else None
