"""URL normalization with courlan: one canonical spelling per article, and whose site a URL is."""

from __future__ import annotations

from urllib.parse import urlsplit

from courlan import extract_domain
from courlan import normalize_url as _courlan_normalize
from courlan.clean import clean_url


def site_key(url: str) -> str:
    """The site an URL belongs to: its host, lower-case, without ``www.`` (= ``sources.source_id``);
    ``unknown`` for a URL without a readable host."""
    try:
        host = (urlsplit(url).hostname or "unknown").lower()
    except ValueError:
        host = "unknown"
    return host[4:] if host.startswith("www.") else host


def normalize_url(url: str | None) -> str | None:
    """Lower-case host, no fragment, query parameters sorted, known tracking parameters (courlan's
    list: utm_*, fbclid, gclid, ref, ...) dropped. Every other parameter is kept: ``story.php?sid=1``
    and ``?sid=2`` are two articles. None for what is not an http(s) URL."""
    if not url:
        return None
    try:
        # a fragment never reaches the server: it names a place in a page, not another page
        cleaned = clean_url(urlsplit(url.strip())._replace(fragment="").geturl())
        if not cleaned:
            return None
        out = _courlan_normalize(cleaned, strict=False)
    except ValueError:
        return None
    try:
        parts = urlsplit(out)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return out


def owner_site(url: str) -> str | None:
    """Who controls ``url``: its registrable domain (public suffix list, private suffixes
    included, so two blogspot.com blogs are two owners), or ``host:port`` for an address or a
    single-label host. None when the URL has no host."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    domain = extract_domain(url)
    if domain:
        return domain.lower()
    return f"{host}:{port or (443 if parts.scheme == 'https' else 80)}"


def choose_canonical(declared: str | None, page_url: str) -> tuple[str, str | None]:
    """The URL an article is keyed by: the page's declared canonical URL when it is http(s) and on
    the page's own site, else the page's own (normalized) URL. Returns (url, why the declared
    one was ignored, or None)."""
    own = normalize_url(page_url) or page_url
    if not declared or declared == own:
        return own, None
    canon = normalize_url(declared)
    if canon is None:
        return own, f"canonical URL {declared[:200]!r} ignored: not an http(s) URL"
    if owner_site(canon) != owner_site(own):
        return own, f"canonical URL {canon[:200]} ignored: not on this page's site ({owner_site(own)})"
    return canon, None
