"""Records passed between stages: fetched page -> document -> enrichment.

They are frozen so that a stage can never change what an earlier stage produced, and plain so
that they pickle cheaply into worker processes.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from newsmill.outcomes import ErrorClass, FetchOutcome


@dataclass(frozen=True)
class FetchedPage:
    """One HTTP attempt (after redirects and retries). ``error`` is None on success.

    ``not_modified`` marks a page with nothing new to process: a 304 answer to a conditional GET,
    or a body byte-for-byte the one its article was built from. It has no body and no error.
    """

    url: str
    final_url: str | None
    status_code: int | None
    content_type: str | None
    body: bytes | None
    encoding: str | None
    fetched_at: datetime
    elapsed_ms: int
    error: ErrorClass | None = None
    error_detail: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    attempts: int = 1
    source: str | None = None
    not_modified: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and self.body is not None

    @property
    def size(self) -> int:
        return len(self.body) if self.body is not None else 0

    def html(self) -> str:
        if self.body is None:
            return ""
        return self.body.decode(self.encoding or "utf-8", errors="replace")


@dataclass(frozen=True)
class Document:
    """A cleaned article: the body text and its metadata."""

    url: str
    canonical_url: str
    title: str | None
    authors: tuple[str, ...]
    published: str | None  # ISO 8601: YYYY-MM-DD, or a datetime with its offset when given
    modified: str | None
    site_name: str | None
    language: str | None
    text: str
    description: str | None = None
    section: str | None = None
    image: str | None = None
    # a canonical URL the page declares that is not an http(s) URL ("javascript:void(0)"), as
    # written: not used (``canonical_url`` falls back to the page's URL) but recorded by the loader
    canonical_ignored: str | None = None

    @property
    def content_hash(self) -> str:
        return content_hash(self.text, self.title)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["authors"] = list(self.authors)
        return d


@dataclass(frozen=True)
class Failure:
    """A terminal, recorded outcome for one URL: it will not get better by retrying now."""

    url: str
    error: ErrorClass  # http_404, not_html, extract_empty, ...
    detail: str | None = ""

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "error": str(self.error), "detail": self.detail}


@dataclass(frozen=True)
class EntityMention:
    text: str
    label: str  # newsmill.tasks.labels.EntityType: PERSON, ORG, PLACE, NORP, ...
    start: int
    end: int
    name: str  # canonical name of the entity this mention belongs to
    title: str = ""  # role words written right before a person's name ("vice president"); not in JSON


@dataclass(frozen=True)
class Quote:
    text: str
    start: int
    end: int
    kind: str  # "direct" | "indirect"
    cue: str | None
    speaker: str | None
    speaker_start: int | None
    speaker_end: int | None
    speaker_name: str | None
    speaker_label: str | None = None
    confidence: float | None = None  # 0-1, P(quote and speaker right), calibrated on PolNeAR train
    evidence: str | None = None  # the evidence class confidence is read from ("direct|trailing_cue|mention")
    # one quotation split around its attribution ('“A,” she said, “B.”') is stored as its parts,
    # each a quote of its own; these say which quotation a part belongs to: part (1-based) of
    # parts, and the quotation's extent from its first part's start to its last part's end (the
    # extent holds the attribution between the parts; only the parts are the quotation's words)
    part: int = 1
    parts: int = 1
    quotation_start: int | None = None
    quotation_end: int | None = None


@dataclass(frozen=True)
class Enrichment:
    entities: tuple[EntityMention, ...] = ()
    quotes: tuple[Quote, ...] = ()
    model: str | None = None
    skipped: str | None = None  # why NER was not run (e.g. "language de (0.95): no model ...")
    # (alias, canonical name, type) the article gives evidence for (tasks/entities.alias_evidence),
    # sorted; made where the entities are (a worker), so that the loading process never needs
    # gender-guesser's name list (22 MB). None: not made yet (the loader makes it).
    aliases: tuple[tuple[str, str, str], ...] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "entities": [{k: v for k, v in asdict(e).items() if k != "title"} for e in self.entities],
            "quotes": [
                {k: v for k, v in asdict(q).items() if k not in ("speaker_label", "evidence")} for q in self.quotes
            ],
            "skipped": self.skipped,  # why the text was not analysed ("language fr (0.93): ..."), or None
        }


@dataclass(frozen=True)
class ParagraphAnalysis:
    """A paragraph analysis for the warehouse's cache (``paragraph_analyses``): one a worker
    made (``analysis`` set: ``tasks/analyses.py``'s encoding) or took from a cache ``uses`` times
    (``analysis`` None)."""

    version: str  # tasks/analyses.analysis_version
    paragraph_hash: bytes  # 16 bytes: tasks/analyses.paragraph_hash of the case-restored text
    tokens: int
    analysis: bytes | None
    uses: int = 0


@dataclass(frozen=True)
class PageResult:
    """What the loader receives for one URL: a document, or the reason there is none."""

    page: FetchedPage
    document: Document | None = None
    enrichment: Enrichment | None = None
    error: ErrorClass | None = None  # error class when extraction gave no document
    detail: str | None = None
    # the paragraph analyses its chunk made or reused, for the warehouse's cache (carried by one
    # result of the chunk; loaded with the batch)
    paragraphs: tuple[ParagraphAnalysis, ...] = ()

    @property
    def ok(self) -> bool:
        return self.document is not None

    @property
    def failure(self) -> Failure | None:
        """Why there is no document (extraction's reason first, then the fetch's); None when
        there is one or when the page was not modified."""
        if self.document is not None or self.page.not_modified:
            return None
        return Failure(self.page.url, ErrorClass(self.error or self.page.error or ErrorClass.UNKNOWN),
                       self.detail or self.page.error_detail)

    @property
    def outcome(self) -> FetchOutcome | None:
        """NOT_MODIFIED or FAILED as known before loading; None for a document, whose outcome
        (new, updated, unchanged) only the warehouse can tell."""
        if self.page.not_modified:
            return FetchOutcome.NOT_MODIFIED
        return None if self.document is not None else FetchOutcome.FAILED


def content_hash(text: str, title: str | None = None) -> str:
    h = hashlib.sha256()
    h.update((title or "").strip().encode())
    h.update(b"\x00")
    h.update(" ".join(text.split()).encode())
    return h.hexdigest()


def stable_id(*parts: str) -> str:
    """A short deterministic id, so that ids agree across runs, workers and machines."""
    h = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return h[:16]
