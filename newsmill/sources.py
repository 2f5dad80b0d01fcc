"""The sources file: which sites newsmill watches, and how politely.

A TOML file with an optional ``[defaults]`` table and one ``[[source]]`` table per site::

    [defaults]
    interval = 2.0            # seconds between requests to one host
    schedule = "15m"          # poll each source at most this often

    [[source]]
    name = "example-news"
    feeds = ["https://example.com/rss.xml"]
    sitemaps = ["https://example.com/sitemap-news.xml"]
    urls = ["https://example.com/2024/05/a-story.html"]
    language = "en"
    include = ['/20\\d\\d/']   # regular expressions searched in the URL
    exclude = ['/video/']

``newsmill sources add|remove`` edit the file as text, so comments and layout of the other sources
are kept; every write is checked by parsing the result before it replaces the file.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from newsmill.config import MAX_SECONDS, ConfigError, check_number
from newsmill.tasks.safety import check_scheme, host_of

DEFAULT_FILE = "sources.toml"


class SourcesError(ValueError):
    """A sources file that cannot be used; the message names the file, the source and the key."""


@dataclass(frozen=True)
class Source:
    name: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    interval: float | None = None  # None: fetch.per_host_interval
    schedule: str | None = None  # "15m", "1h" or cron "0 6 * * *" (UTC); None: every run
    language: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_urls: int | None = None  # None: fetch.max_urls_per_source
    revisit_after: float | None = None  # None: fetch.revisit_after
    enabled: bool = True

    @property
    def hosts(self) -> frozenset[str]:
        """The hosts the user named for this source: they may be internal addresses."""
        return frozenset(h for h in (host_of(u) for u in (*self.feeds, *self.sitemaps, *self.urls)) if h)

    @property
    def schedule_seconds(self) -> float | None:
        """The schedule as an interval in seconds; None for no schedule or a cron schedule."""
        return parse_duration(self.schedule) if self.schedule and not is_cron(self.schedule) else None

    @property
    def schedule_cron(self) -> str | None:
        """The schedule as a cron expression (UTC); None for no schedule or an interval."""
        return self.schedule if self.schedule and is_cron(self.schedule) else None

    def not_due(self, last_polled: datetime | None, now: datetime) -> str | None:
        """Why this source is not due at ``now`` (None when it is), given when it was last
        polled. The one due-check: the served deployments fire on the same schedule, and a run
        that comes early (a retry, a manual run, a second deployment) skips the source.

        An interval is due once that many seconds have passed; a cron schedule once one of its
        times (UTC) has come since the last poll. Never polled, or no schedule: due.
        """
        if not self.schedule or last_polled is None:
            return None
        if self.schedule_cron:
            from cronsim import CronSim

            # the latest fire time at or before now (CronSim's reverse walk starts strictly before)
            last_fire = next(CronSim(self.schedule_cron, now.astimezone(UTC) + timedelta(seconds=1), reverse=True))
            if last_polled < last_fire:
                return None
        elif (now - last_polled).total_seconds() >= (self.schedule_seconds or 0):
            return None
        return f"schedule {self.schedule}: last polled {last_polled:%Y-%m-%d %H:%M:%S}Z"

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("feeds", "sitemaps", "urls", "include", "exclude"):
            d[k] = list(d[k])
        return d


_KEYS = {f for f in Source.__dataclass_fields__}
_DEFAULT_KEYS = {"interval", "schedule", "language", "include", "exclude", "max_urls", "revisit_after", "enabled"}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$", re.I)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


def is_cron(schedule: str) -> bool:
    """A cron expression has five fields ("0 6 * * *"); a duration has none of its spaces."""
    return len(str(schedule).split()) == 5


def check_schedule(value: str) -> None:
    """Raise ValueError unless ``value`` is a duration or a valid cron expression."""
    if isinstance(value, str) and is_cron(value):
        from cronsim import CronSim, CronSimError

        try:
            CronSim(value, datetime.now(UTC))
        except CronSimError as e:
            raise ValueError(f"not a valid cron expression: {value!r} ({e})") from None
        return
    try:
        parse_duration(value)
    except ValueError as e:
        if "has no unit" in str(e):  # a number: the unit is what is missing, not a cron expression
            raise
        raise ValueError(f"{e}; or give a cron expression such as \"0 6 * * *\" (UTC)") from None


def parse_duration(value: str) -> float:
    """``"90s"``, ``"15m"``, ``"2h"``, ``"1d"`` -> seconds.

    The unit is required: a bare ``5`` could mean seconds or minutes, and polling a site every 5 s
    by mistake is rude to it, so ``ValueError`` says which units there are.
    """
    m = _DURATION.match(str(value)) if not isinstance(value, bool) else None
    if not m:
        if re.match(r"^\s*\d+(?:\.\d+)?\s*$", str(value)):
            raise ValueError(f"{value!r} has no unit: write {str(value).strip()}s, {str(value).strip()}m, "
                             f"{str(value).strip()}h or {str(value).strip()}d")
        raise ValueError(f"not a duration: {value!r} (use e.g. 90s, 15m, 2h, 1d)")
    seconds = float(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2).lower()]
    try:
        return check_number("duration", seconds, MAX_SECONDS)
    except ConfigError as e:
        raise ValueError(str(e)) from None


def _strings(where: str, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SourcesError(f"{where}: {key} must be a list of strings, got {value!r}")
    return tuple(v.strip() for v in value if v.strip())


def _source(where: str, table: dict[str, Any], defaults: dict[str, Any]) -> Source:
    unknown = set(table) - _KEYS
    if unknown:
        raise SourcesError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(_KEYS))})")
    name = table.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise SourcesError(f"{where}: name must be letters, digits, '.', '_' or '-' (got {name!r})")
    where = f"{where} ({name})"
    values = {**defaults, **table}
    kw: dict[str, Any] = {"name": name}
    for key in ("feeds", "sitemaps", "urls"):
        urls = _strings(where, key, values.get(key, []))
        for u in urls:
            bad = check_scheme(u)
            if bad is not None:
                raise SourcesError(f"{where}: {key} entry {u!r}: {bad.detail}")
        kw[key] = urls
    if not (kw["feeds"] or kw["sitemaps"] or kw["urls"]):
        raise SourcesError(f"{where}: give at least one of feeds, sitemaps or urls")
    for key in ("include", "exclude"):
        pats = _strings(where, key, values.get(key, []))
        for p in pats:
            try:
                re.compile(p)
            except re.error as e:
                raise SourcesError(f"{where}: {key} pattern {p!r} is not a regular expression: {e}") from None
        kw[key] = pats
    for key in ("interval", "revisit_after"):
        if values.get(key) is not None:
            v = values[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise SourcesError(f"{where}: {key} must be a number of seconds >= 0, got {v!r}")
            try:
                kw[key] = check_number(key, float(v), MAX_SECONDS)
            except ConfigError as e:
                raise SourcesError(f"{where}: {key} must be a finite number of seconds >= 0 ({e})") from None
    if values.get("max_urls") is not None:
        v = values["max_urls"]
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 10_000_000:
            raise SourcesError(f"{where}: max_urls must be a positive integer, got {v!r}")
        kw["max_urls"] = v
    if values.get("schedule") is not None:
        try:
            check_schedule(values["schedule"])
        except ValueError as e:
            raise SourcesError(f"{where}: schedule: {e}") from None
        kw["schedule"] = str(values["schedule"]).strip()
    if values.get("language") is not None:
        lang = values["language"]
        if not isinstance(lang, str) or not re.match(r"^[a-z]{2,3}$", lang.lower()):
            raise SourcesError(f"{where}: language must be a 2- or 3-letter code like 'en', got {lang!r}")
        kw["language"] = lang.lower()
    if "enabled" in values:
        if not isinstance(values["enabled"], bool):
            raise SourcesError(f"{where}: enabled must be true or false")
        kw["enabled"] = values["enabled"]
    return Source(**kw)


def build_source(raw: dict[str, Any], where: str = "source") -> Source:
    """A validated :class:`Source` from a table of values (as ``newsmill sources add`` gives)."""
    return _source(where, raw, {})


def parse_sources(text: str, path: str = "<sources>") -> list[Source]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SourcesError(f"{path} is not valid TOML: {e}") from None
    unknown = set(data) - {"defaults", "source"}
    if unknown:
        raise SourcesError(f"{path}: unknown table(s) {', '.join(sorted(unknown))} (known: [defaults], [[source]])")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict) or set(defaults) - _DEFAULT_KEYS:
        raise SourcesError(f"{path}: [defaults] may set only {', '.join(sorted(_DEFAULT_KEYS))}")
    tables = data.get("source", [])
    if not isinstance(tables, list):
        raise SourcesError(f"{path}: sources are [[source]] tables (double brackets)")
    out, seen = [], set()
    for i, table in enumerate(tables, 1):
        src = _source(f"{path}: source #{i}", table, defaults)
        if src.name in seen:
            raise SourcesError(f"{path}: two sources are named {src.name!r}")
        seen.add(src.name)
        out.append(src)
    return out


def load_sources(path: str | os.PathLike) -> list[Source]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourcesError(f"sources file not found: {p} (create one with `newsmill sources add`)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SourcesError(f"cannot read sources file {p}: {e}") from None
    return parse_sources(text, str(p))


def select(sources: list[Source], names: list[str] | None) -> list[Source]:
    """The named sources (all enabled ones when ``names`` is empty); unknown names are an error."""
    if not names:
        return [s for s in sources if s.enabled]
    by_name = {s.name: s for s in sources}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise SourcesError(f"no source named {', '.join(map(repr, missing))} "
                           f"(known: {', '.join(sorted(by_name)) or 'none'})")
    return [by_name[n] for n in names]


# ---- editing the file as text -------------------------------------------------------------------

def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return json.dumps(str(v), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def render_source(src: Source) -> str:
    lines = ["[[source]]", f"name = {_toml_value(src.name)}"]
    base = Source(name=src.name)
    for key in ("feeds", "sitemaps", "urls", "interval", "schedule", "language", "include", "exclude",
                "max_urls", "revisit_after", "enabled"):
        v = getattr(src, key)
        if v != getattr(base, key):
            lines.append(f"{key} = {_toml_value(v)}")
    return "\n".join(lines) + "\n"


_HEADER = re.compile(r"^\s*\[")


def _segments(text: str) -> list[tuple[str | None, str]]:
    """Split into (source name or None, text) pieces at table headers, keeping every byte."""
    lines = text.splitlines(keepends=True)
    pieces: list[list[str]] = [[]]
    for line in lines:
        if _HEADER.match(line):
            pieces.append([])
        pieces[-1].append(line)
    out = []
    for piece in pieces:
        chunk = "".join(piece)
        name = None
        if piece and re.match(r"^\s*\[\[\s*source\s*\]\]", piece[0]):
            try:
                name = tomllib.loads(chunk).get("source", [{}])[0].get("name")
            except tomllib.TOMLDecodeError:
                name = None
        out.append((name, chunk))
    return out


def _write_checked(path: Path, text: str) -> list[Source]:
    sources = parse_sources(text, str(path))  # never write a file that would not load
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp creates 0600; the file keeps the mode it had, or gets the usual 0666 & ~umask
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return sources


def add_source(path: str | os.PathLike, src: Source) -> list[Source]:
    p = Path(path)
    text = p.read_text(encoding="utf-8") if p.exists() else (
        "# newsmill sources file: see docs/sources-and-schedules.md.\n")
    existing = parse_sources(text, str(p))
    if any(s.name == src.name for s in existing):
        raise SourcesError(f"{p}: a source named {src.name!r} exists already (remove it first)")
    if text and not text.endswith("\n"):
        text += "\n"
    return _write_checked(p, text + ("\n" if text.strip() else "") + render_source(src))


def remove_source(path: str | os.PathLike, name: str) -> list[Source]:
    p = Path(path)
    existing = load_sources(p)
    if not any(s.name == name for s in existing):
        raise SourcesError(f"{p}: no source named {name!r} (known: {', '.join(s.name for s in existing) or 'none'})")
    kept = [chunk for n, chunk in _segments(p.read_text(encoding="utf-8")) if n != name]
    return _write_checked(p, "".join(kept))
