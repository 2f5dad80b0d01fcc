"""spaCy analyses of paragraphs, and the process's cache of them.

The enrich stage runs spaCy on each paragraph (one line of an article, with the line breaks
after it) on its own and joins the paragraphs' analyses into the article's ``Doc`` (:func:`join`,
what ``Doc.from_docs`` would build); the quote and entity rules then read the joined document,
across paragraphs, as before. A paragraph's analysis therefore depends only on its text and on the pipeline, so a
paragraph met again - the same wire story on several sites, a site's boilerplate line, the
copies of a re-published article - is taken from :class:`AnalysisCache` instead of being parsed
again, and the rules get exactly the analysis a fresh parse would give.

A cache entry is keyed by the pipeline's :func:`analysis_version` (model name and version, the
components that run, newsmill's gazetteer and segmenter revision) and the paragraph as spaCy
reads it (the case-restored text, see ``entities.case_restored``). The cache lives in the worker
process and is bounded by tokens (:data:`CACHE_TOKENS`); it starts empty with every process
(a pool worker is replaced every ``cpu.TASKS_PER_WORKER`` chunks, which clears it too).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Bump when newsmill's own components (tasks/quotes.py's segmenter, the entity ruler's setup)
# change what they write into a Doc: cached analyses from before no longer match.
SEGMENTER_REVISION = "1"
# Tokens held by a process's cache (~150 bytes each: ~30 MB). About 240 articles of 800 words:
# more than the distinct articles a worker sees between two copies of a wire story in a batch.
CACHE_TOKENS = 200_000

_PIECE = re.compile(r"\n*[^\n]+\n*|\n+")
_versions: dict[int, str] = {}


def pieces(text: str) -> list[str]:
    """``text`` cut into paragraphs: each line with the line breaks that follow it (the first
    also with the breaks that open the text). ``"".join(pieces(text)) == text``."""
    return _PIECE.findall(text)


def analysis_version(nlp) -> str:
    """What a cached analysis was made by: ``"en_core_web_sm-3.8.0/<16 hex>"``, the model's
    name and version, then a digest of the components that run and their settings (our
    gazetteer's patterns and the segmenter's revision among them). Computed once per pipeline."""
    key = id(nlp)
    if key not in _versions:
        meta = nlp.meta
        h = hashlib.sha256()
        h.update(repr((nlp.pipe_names, SEGMENTER_REVISION)).encode())
        if "newsmill_ruler" in nlp.pipe_names:
            ruler = nlp.get_pipe("newsmill_ruler")
            for p in sorted(repr((p["label"], p["pattern"], p.get("id"))) for p in ruler.patterns):
                h.update(p.encode())
        _versions[key] = (f"{meta.get('lang', '')}_{meta.get('name', '')}-{meta.get('version', '')}"
                          f"/{h.hexdigest()[:16]}")
    return _versions[key]


# What a cached analysis keeps of a Doc: everything the pipeline writes that a rule can read.
# The pipeline runs without attribute_ruler and lemmatizer (tasks/enrich.py), so POS, MORPH and
# LEMMA are never set; NORM is (tokenizer exceptions: "n't" -> "not").
ATTRS = ("NORM", "TAG", "HEAD", "DEP", "ENT_IOB", "ENT_TYPE", "ENT_KB_ID", "ENT_ID", "SENT_START")


@dataclass(frozen=True)
class Analysis:
    """One paragraph's analysis: its tokens (text and whether a space follows) and an
    ``(n_tokens, len(ATTRS))`` uint64 array of :data:`ATTRS` (``HEAD`` relative, as spaCy's
    ``Doc.to_array`` gives it, so arrays of paragraphs can be stacked)."""

    words: tuple[str, ...]
    spaces: tuple[bool, ...]
    array: object  # numpy.ndarray

    @classmethod
    def of(cls, doc) -> "Analysis":
        return cls(tuple(t.text for t in doc), tuple(bool(t.whitespace_) for t in doc), doc.to_array(list(ATTRS)))

    def __len__(self) -> int:
        return len(self.words)


def join(vocab, parts: Sequence[Analysis]):
    """The ``Doc`` of the paragraphs ``parts`` in order (as ``Doc.from_docs`` without
    added whitespace would build it from the paragraphs' docs)."""
    import numpy
    from spacy.tokens import Doc

    words = [w for a in parts for w in a.words]
    spaces = [s for a in parts for s in a.spaces]
    doc = Doc(vocab, words=words, spaces=spaces)
    if words:
        arrays = [a.array for a in parts if len(a)]
        doc.from_array(list(ATTRS), arrays[0] if len(arrays) == 1 else numpy.vstack(arrays))
    return doc


class AnalysisCache:
    """Least-recently-used paragraph :class:`Analysis` records, bounded by ``max_tokens``
    tokens in all (about 150 bytes a token: ~30 MB at the default bound). Keys: (analysis version, paragraph text)."""

    def __init__(self, max_tokens: int = CACHE_TOKENS):
        self.max_tokens = max_tokens
        self.tokens = 0
        self.hits = 0
        self.misses = 0
        self._docs: OrderedDict[tuple[str, str], Analysis] = OrderedDict()

    def __len__(self) -> int:
        return len(self._docs)

    def get(self, version: str, text: str) -> Analysis | None:
        found = self._docs.get((version, text))
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self._docs.move_to_end((version, text))
        return found

    def put(self, version: str, text: str, analysis: Analysis) -> None:
        if self.max_tokens <= 0 or len(analysis) > self.max_tokens:
            return
        key = (version, text)
        old = self._docs.pop(key, None)
        if old is not None:
            self.tokens -= len(old)
        self._docs[key] = analysis
        self.tokens += len(analysis)
        while self.tokens > self.max_tokens:
            _, dropped = self._docs.popitem(last=False)
            self.tokens -= len(dropped)

    def clear(self) -> None:
        self._docs.clear()
        self.tokens = 0


_cache = AnalysisCache()


def process_cache() -> AnalysisCache:
    """This process's cache (each pool worker has its own)."""
    return _cache


def analyse(nlp, texts: Sequence[str], cache: AnalysisCache | None = None, n_process: int = 1,
            batch_texts: int = 32) -> list:
    """One ``Doc`` per text, joined from its paragraphs' analyses; ``doc.text == text``.

    Paragraphs found in ``cache`` are not parsed; the others are parsed once each (a paragraph
    repeated within ``texts`` too) and added to it, the new paragraphs of ``batch_texts`` texts
    in one ``nlp.pipe`` batch (spaCy's parser pays a fixed cost per batch that dominates with
    short docs). ``cache=None`` uses :func:`process_cache`. A text's doc is built the same way
    whether its paragraphs were cached or just parsed."""
    cache = _cache if cache is None else cache
    version = analysis_version(nlp)
    out = []
    step = max(1, batch_texts)
    for lo in range(0, len(texts), step):
        split = [pieces(t) for t in texts[lo:lo + step]]
        found: dict[str, Analysis | None] = {}
        todo: list[str] = []
        for ps in split:
            for p in ps:
                if p in found:
                    continue
                hit = cache.get(version, p)
                if hit is None:
                    todo.append(p)
                found[p] = hit
        if todo:
            for p, doc in zip(todo, nlp.pipe(todo, batch_size=len(todo), n_process=n_process)):
                found[p] = analysis = Analysis.of(doc)
                cache.put(version, p, analysis)
        out.extend(join(nlp.vocab, [found[p] for p in ps]) for ps in split)
    return out
