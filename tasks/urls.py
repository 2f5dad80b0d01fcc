"""URL normalization with courlan: one canonical spelling per article."""

from __future__ import annotations

from urllib.parse import urlsplit

from courlan import normalize_url as _courlan_normalize
from courlan.clean import clean_url


def site_key(url: str) -> str:
    """The site an URL belongs to: its host, lower-case, without ``www.`` (= ``sources.source_id``)."""
    host = (urlsplit(url).hostname or "unknown").lower()
    return host[4:] if host.startswith("www.") else host


def normalize_url(url: str | None) -> str | None:
    """Lower-case host, no fragment, tracking parameters (utm_*, fbclid, ...) dropped."""
    if not url:
        return None
    try:
        cleaned = clean_url(url.strip())
        if not cleaned:
            return None
        return _courlan_normalize(cleaned, strict=True)
    except ValueError:
        return None
