"""spaCy analyses of paragraphs, memoised by the paragraph's hash and the model version.

The same paragraph comes back again and again: a wire story run by many sites, a site's
boilerplate lines, an article re-enriched after a correction to one paragraph. Enrichment
therefore analyses text one paragraph (line) at a time, and the analysis of a paragraph is a
pure function of the paragraph's text (as the model sees it) and the model: it is kept, and a
paragraph seen before is not parsed again. The paragraphs' analyses are joined back into one
``Doc`` per text (``Doc.from_docs``: same string, same offsets), on which the entity and quote
rules run as before, so a cached paragraph gives exactly what parsing it again would.

Each process keeps a bounded in-memory cache; the warehouse keeps analyses across runs
(``analysis_cache``, see ``warehouse/analyses.py``): a run seeds its workers with the recently
used ones and stores the new ones with each load. ``NEWSMILL_ENRICH_CACHE=0`` turns it off
(paragraphs are still analysed one by one, so results do not depend on the setting).

Entries are spaCy ``DocBin`` bytes holding only the annotations newsmill's rules read.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

# What the entity and quote rules read: tags, the parse, entities with the gazetteer's ids.
ATTRS = ("TAG", "HEAD", "DEP", "ENT_IOB", "ENT_TYPE", "ENT_ID", "SENT_START")
# Entries kept in one process: ~1 KB each, so ~20 MB; enough for a day of one site's
# boilerplate and the wire stories of a large run.
MAX_ENTRIES = 20_000
# Paragraphs per nlp.pipe batch: they are short, so more of them than whole articles.
PIPE_BATCH = 256


def enabled() -> bool:
    """False when ``NEWSMILL_ENRICH_CACHE`` is ``0``/``false``/``no``/``off``."""
    return os.environ.get("NEWSMILL_ENRICH_CACHE", "1").strip().lower() not in {"0", "false", "no", "off"}


def paragraphs(text: str) -> list[str]:
    """``text`` cut after each line break; the pieces joined give ``text`` back exactly."""
    out, pos, n = [], 0, len(text)
    while pos < n:
        end = text.find("\n", pos)
        end = n if end < 0 else end + 1
        out.append(text[pos:end])
        pos = end
    return out


def key(paragraph: str, model: str) -> bytes:
    """The 16-byte cache key of ``paragraph`` as analysed by ``model`` (its version string)."""
    return hashlib.blake2b(paragraph.encode("utf-8", "surrogatepass"), digest_size=16,
                           person=b"newsmill-para-1", key=model.encode()[:64]).digest()


class AnalysisCache:
    """Paragraph analyses (bytes) by key, least recently used dropped first; thread-safe.

    It also notes what a caller will want to store: entries added since the last
    :meth:`drain` and keys that were hit (so the warehouse keeps them warm), each with its
    model. Both are bounded too: a process that never drains (the Python API) does not grow."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._data: OrderedDict[bytes, bytes] = OrderedDict()
        self._new: OrderedDict[bytes, tuple[str, bytes]] = OrderedDict()
        self._hits: OrderedDict[bytes, str] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, k: bytes, model: str) -> bytes | None:
        with self._lock:
            blob = self._data.get(k)
            if blob is not None:
                self._data.move_to_end(k)
                if k not in self._new:
                    self._hits[k] = model
                    self._trim(self._hits)
            return blob

    def put(self, k: bytes, blob: bytes, model: str | None = None) -> None:
        """Add an entry; with ``model`` it is new (to be stored), without it was read back."""
        with self._lock:
            self._data[k] = blob
            self._data.move_to_end(k)
            self._trim(self._data)
            if model is not None:
                self._new[k] = (model, blob)
                self._trim(self._new)

    def _trim(self, d: OrderedDict) -> None:
        while len(d) > self.max_entries:
            d.popitem(last=False)

    def seed(self, entries: Iterable[tuple[bytes, bytes]]) -> None:
        """Entries read from the warehouse (not new: they are not stored again)."""
        for k, blob in entries:
            self.put(bytes(k), bytes(blob))

    def drain(self) -> "Drained":
        """What was added and reused since the last drain."""
        with self._lock:
            out = Drained([(m, k, b) for k, (m, b) in self._new.items()], [(m, k) for k, m in self._hits.items()])
            self._new, self._hits = OrderedDict(), OrderedDict()
        return out


@dataclass(frozen=True)
class Drained:
    """New analyses (model, key, bytes) and reused keys (model, key) of one stretch of work."""

    new: list = field(default_factory=list)
    hits: list = field(default_factory=list)

    def __add__(self, other: "Drained") -> "Drained":
        return Drained(self.new + other.new, self.hits + other.hits)

    def __bool__(self) -> bool:
        return bool(self.new or self.hits)


CACHE = AnalysisCache()


def analyse(nlp, model: str, texts: Sequence[str], batch_size: int = PIPE_BATCH,
            cache: AnalysisCache | None = None, n_process: int = 1) -> Iterator:
    """One ``Doc`` per text, built from its paragraphs' analyses (cached ones reused, the others
    parsed with ``nlp.pipe`` once each, in batches of ``batch_size`` paragraphs).

    ``model`` is the version string the keys are made with. With the cache disabled
    (:func:`enabled`), every paragraph is parsed."""
    from spacy.tokens import Doc, DocBin

    cache = cache if cache is not None else (CACHE if enabled() else None)
    pieces = [paragraphs(t) for t in texts]
    keys = [[key(p, model) for p in ps] for ps in pieces]
    docs: dict[bytes, object] = {}
    todo: dict[bytes, str] = {}
    for ps, ks in zip(pieces, keys):
        for p, k in zip(ps, ks):
            if k in docs or k in todo:
                continue
            blob = cache.get(k, model) if cache is not None else None
            if blob is not None:
                docs[k] = next(iter(DocBin().from_bytes(blob).get_docs(nlp.vocab)))
            else:
                todo[k] = p
    for k, doc in zip(todo, nlp.pipe(list(todo.values()), batch_size=max(1, batch_size),
                                     n_process=max(1, min(n_process, len(todo))))):
        docs[k] = doc
        if cache is not None:
            blob = DocBin(attrs=list(ATTRS), store_user_data=False)
            blob.add(doc)
            cache.put(k, blob.to_bytes(), model)
    for ks in keys:
        # a new Doc each time, also for one paragraph: texts sharing a paragraph share no Doc
        yield Doc.from_docs([docs[k] for k in ks], ensure_whitespace=False, exclude=["tensor", "user_data"])
