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
import os
import re
import sys
import zlib
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

# Characters of paragraphs parsed in one ``nlp.pipe`` batch. The parser and the entity
# recogniser hold arrays for every token of a batch at once (about 15 kB a token with
# en_core_web_sm): a chunk's 8 articles in one batch (~10,000 tokens) took 85-190 MB for a
# moment, in every worker. Each paragraph's analysis does not depend on the batch it is in.
PIPE_CHARS = 8000

# ``Doc.user_data`` key of the text a doc was made from (also read by ``entities.doc_text``)
TEXT_KEY = "newsmill_text"

_PIECE = re.compile(r"\n*[^\n]+\n*|\n+")
_versions: dict[int, str] = {}


def pieces(text: str) -> list[str]:
    """``text`` cut into paragraphs: each line with the line breaks that follow it (the first
    also with the breaks that open the text). ``"".join(pieces(text)) == text``."""
    return _PIECE.findall(text)


def analysis_version(nlp) -> str:
    """What a cached analysis was made by: ``"en_core_web_sm-3.8.0/<16 hex>"``, the model's
    name and version, then a digest of the components that run and their settings (our
    gazetteer's patterns, the segmenter's revision and the warehouse's encoding among them).
    Computed once per pipeline."""
    key = id(nlp)
    if key not in _versions:
        meta = nlp.meta
        h = hashlib.sha256()
        h.update(repr((nlp.pipe_names, SEGMENTER_REVISION, _FORMAT)).encode())
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
        from spacy.attrs import IDX, LENGTH, SPACY

        # the tokens' offsets, lengths and spaces in one array scan, the words cut from the text
        # spaCy was given: a Token object per word (``t.text``, ``t.whitespace_``) cost more
        # than the rest of the glue together
        text = _text_of(doc)
        pos = doc.to_array([IDX, LENGTH, SPACY]).tolist()
        return cls(_words(text[i:i + n] for i, n, _s in pos), tuple(bool(s) for _i, _n, s in pos),
                   doc.to_array(list(ATTRS)))

    def __len__(self) -> int:
        return len(self.words)


def _text_of(doc) -> str:
    # the text a doc was made from (:func:`_pipe` keeps it; ``doc.text`` is rebuilt token by token)
    text = doc.user_data.get(TEXT_KEY)
    return doc.text if text is None else text


def _words(words) -> tuple[str, ...]:
    # A cache holds ~150,000 tokens, most of them a few hundred common words ("the", ",", "said"):
    # one string object each (sys.intern), not one per token, is ~7 MB less in each worker.
    return tuple(map(sys.intern, words))


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
            batch_texts: int = 32, store: "Snapshot | None" = None, ledger: "Ledger | None" = None) -> list:
    """One ``Doc`` per text, joined from its paragraphs' analyses; ``doc.text == text``.

    Paragraphs found in ``cache`` are not parsed; the others are parsed once each (a paragraph
    repeated within ``texts`` too) and added to it, the new paragraphs of ``batch_texts`` texts
    in one ``nlp.pipe`` batch (spaCy's parser pays a fixed cost per batch that dominates with
    short docs). ``cache=None`` uses :func:`process_cache`. Paragraphs not in ``cache`` are
    looked up in ``store`` (the warehouse's snapshot) before they are parsed. ``ledger``, when
    given, records the paragraphs parsed (encoded, for the warehouse) and those taken from a
    cache. A text's doc is built the same way whether its paragraphs were cached or just parsed."""
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
                elif ledger is not None:
                    key = (version, paragraph_hash(p))
                    ledger.used[key] = ledger.used.get(key, 0) + 1
                found[p] = hit
        if todo and (store is not None or ledger is not None):
            keys = {p: paragraph_hash(p) for p in todo}
            stored = store.get(version, list(keys.values())) if store is not None else {}
            missed = []
            for p in todo:
                blob = stored.get(keys[p])
                analysis = decode(blob, p, nlp.vocab) if blob is not None else None
                if analysis is None:
                    missed.append(p)
                    continue
                found[p] = analysis
                cache.put(version, p, analysis)
                if ledger is not None:
                    ledger.from_store += 1
                    ledger.used[(version, keys[p])] = ledger.used.get((version, keys[p]), 0) + 1
            todo = missed
        if todo:
            for p, doc in zip(todo, _pipe(nlp, todo, n_process)):
                found[p] = analysis = Analysis.of(doc)
                cache.put(version, p, analysis)
                if ledger is not None:
                    ledger.parsed += 1
                    ledger.new[(version, keys[p])] = (len(analysis), encode(analysis, nlp.vocab.strings))
        out.extend(join(nlp.vocab, [found[p] for p in ps]) for ps in split)
    return out


def batches(texts: Sequence[str], max_chars: int) -> list[list[str]]:
    """``texts`` in order, cut into runs of at most ``max_chars`` characters in all (a longer
    text is a run of its own)."""
    out: list[list[str]] = []
    size = max_chars + 1
    for t in texts:
        if size + len(t) > max_chars:
            out.append([])
            size = 0
        out[-1].append(t)
        size += len(t)
    return out


def _pipe(nlp, texts: Sequence[str], n_process: int = 1):
    """``nlp.pipe`` over ``texts``, at most :data:`PIPE_CHARS` characters a batch. Each doc
    carries its text in ``user_data[TEXT_KEY]`` (spaCy keeps the input exactly), for the
    segmenter and :meth:`Analysis.of`: ``doc.text`` rebuilds it from a Token object per word."""
    for batch in batches(texts, PIPE_CHARS):
        if n_process > 1:  # docs made here would be pickled to the workers: let spaCy make them
            yield from nlp.pipe(batch, batch_size=len(batch), n_process=n_process)
            continue
        docs = []
        for t in batch:
            doc = nlp.make_doc(t)
            doc.user_data[TEXT_KEY] = t
            docs.append(doc)
        yield from nlp.pipe(docs, batch_size=len(batch))


# ---- the warehouse's paragraph analyses --------------------------------------------------------
# The warehouse keeps analyses across runs (table paragraph_analyses, docs/speed-and-politeness.md).
# A worker cannot query it (DuckDB's writer locks other processes out), so the run's process
# exports the rows to a snapshot file (:func:`write_snapshot`) the workers look paragraphs up in
# (:class:`Snapshot`), and the analyses a worker makes travel back with its results
# (:class:`Ledger` -> ``PageResult.paragraphs``) to be written in the batch's load transaction.

def paragraph_hash(text: str) -> bytes:
    """The warehouse's key of a paragraph: the first 16 bytes of the SHA-256 of its
    (case-restored) text in UTF-8."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[:16]


# The encoding of stored analyses (:func:`encode`); part of analysis_version, so that rows of
# another encoding are never read and age out of the warehouse.
_FORMAT = 1
_STR_COLS = ("NORM", "TAG", "DEP", "ENT_TYPE", "ENT_KB_ID", "ENT_ID")
_ZERO, _LOWER = -1, -2  # string codes: the hash 0 (unset), and "the word in lower case" (NORM)


def encode(analysis: Analysis, strings) -> bytes:
    """``analysis`` as compact bytes (zlib): the tokens' lengths and spaces, and the attributes
    with their strings (not the hashes of ``strings``, a process's own ``StringStore``), so that
    any process can rebuild it from the paragraph's text (:func:`decode`). About 8 bytes a token."""
    import numpy

    table: dict[str, int] = {}
    arr = analysis.array
    cols = [numpy.fromiter((len(w) for w in analysis.words), numpy.int64, len(analysis)),
            numpy.fromiter(analysis.spaces, numpy.int64, len(analysis))]
    for j, name in enumerate(ATTRS):
        col = arr[:, j]
        if name not in _STR_COLS:
            cols.append(col.view(numpy.int64))  # HEAD relative, ENT_IOB, SENT_START: small ints
            continue
        codes = []
        for h, w in zip(col.tolist(), analysis.words):
            if h == 0:
                codes.append(_ZERO)
                continue
            s = strings[h]
            codes.append(_LOWER if name == "NORM" and s == w.lower() else table.setdefault(s, len(table)))
        cols.append(numpy.asarray(codes, numpy.int64))
    m = numpy.stack(cols) if cols[0].size else numpy.zeros((len(cols), 0), numpy.int64)
    small = m.size == 0 or (m.min() >= -32768 and m.max() <= 32767)
    body = "\x00".join(table).encode("utf-8", "surrogatepass")
    head = bytes([_FORMAT, 2 if small else 4]) + len(analysis).to_bytes(4, "little") + len(body).to_bytes(4, "little")
    return zlib.compress(head + body + m.astype(numpy.int16 if small else numpy.int32).tobytes(), 6)


def decode(blob: bytes, text: str, vocab) -> Analysis | None:
    """The :class:`Analysis` :func:`encode` stored for the paragraph ``text``, with its strings
    added to ``vocab``; None when ``blob`` does not fit ``text`` (another format, a damaged row)."""
    import numpy

    try:
        raw = zlib.decompress(blob)
        fmt, width = raw[0], raw[1]
        n = int.from_bytes(raw[2:6], "little")
        nbody = int.from_bytes(raw[6:10], "little")
        if fmt != _FORMAT or width not in (2, 4):
            return None
        body = raw[10:10 + nbody].decode("utf-8", "surrogatepass")
        m = numpy.frombuffer(raw, numpy.int16 if width == 2 else numpy.int32, offset=10 + nbody)
        m = m.reshape(2 + len(ATTRS), n).astype(numpy.int64)
    except (zlib.error, ValueError, IndexError, UnicodeDecodeError):
        return None
    lengths, spaces = m[0].tolist(), m[1].tolist()
    if sum(lengths) + sum(spaces) != len(text):
        return None
    words, pos = [], 0
    for k, s in zip(lengths, spaces):
        words.append(text[pos:pos + k])
        pos += k + s
    if "".join(w + " " * s for w, s in zip(words, spaces)) != text:
        return None
    table = body.split("\x00") if nbody else []
    add = vocab.strings.add
    hashes = [add(s) for s in table]
    arr = numpy.zeros((n, len(ATTRS)), numpy.uint64)
    for j, name in enumerate(ATTRS):
        row = m[2 + j]
        if name not in _STR_COLS:
            arr[:, j] = row.astype(numpy.int64).view(numpy.uint64)
            continue
        try:
            arr[:, j] = [0 if c == _ZERO else add(words[i].lower()) if c == _LOWER else hashes[c]
                         for i, c in enumerate(row.tolist())]
        except IndexError:
            return None
    return Analysis(_words(words), tuple(bool(s) for s in spaces), arr)


_MAGIC = b"NMPARA1\n"


def write_snapshot(path: str, chunks) -> int:
    """Write a snapshot file of warehouse rows for :class:`Snapshot`; returns the rows written.

    ``chunks`` yields lists of ``(analysis_version, paragraph_hash, analysis)`` (16-byte
    hashes). Layout: magic, the footer's offset (8 bytes LE), the analyses one after another,
    then the footer: the length of a JSON header (versions -> [first row, rows], rows) and the
    header, then four uint64 arrays sorted by (version, hash): the hashes' two big-endian halves,
    each analysis's offset and its length. Memory: about 40 bytes a row besides one chunk."""
    import json

    import numpy

    versions: dict[str, int] = {}
    parts: list[tuple] = []
    with open(path, "wb") as f:
        f.write(_MAGIC + b"\0" * 8)
        off = f.tell()
        for chunk in chunks:
            rows = [(v, bytes(k), bytes(b)) for v, k, b in chunk if len(k) == 16 and b]
            if not rows:
                continue
            lens = numpy.fromiter((len(b) for _, _, b in rows), numpy.uint64, len(rows))
            starts = off + numpy.concatenate(([0], numpy.cumsum(lens)[:-1])).astype(numpy.uint64)
            f.write(b"".join(b for _, _, b in rows))
            off += int(lens.sum())
            ver = numpy.fromiter((versions.setdefault(v, len(versions)) for v, _, _ in rows), numpy.int64, len(rows))
            keys = numpy.frombuffer(b"".join(k for _, k, _ in rows), ">u8").reshape(-1, 2).astype(numpy.uint64)
            parts.append((ver, keys[:, 0].copy(), keys[:, 1].copy(), starts, lens))
        footer = off
        if parts:
            ver, hi, lo, starts, lens = (numpy.concatenate(c) for c in zip(*parts))
        else:
            ver, hi, lo, starts, lens = (numpy.zeros(0, numpy.uint64) for _ in range(5))
        parts.clear()
        # versions by name, hashes in order within each: the readers' binary search
        rank = {v: r for r, v in enumerate(sorted(versions))}
        vr = numpy.asarray([rank[v] for v in versions], numpy.int64)[ver.astype(numpy.int64)] if len(ver) else ver
        order = numpy.lexsort((lo, hi, vr))
        vr = vr[order]
        spans = {}
        for v, r in rank.items():
            first = int(numpy.searchsorted(vr, r, "left"))
            spans[v] = [first, int(numpy.searchsorted(vr, r, "right")) - first]
        head = json.dumps({"versions": spans, "rows": int(len(order))}).encode()
        f.write(len(head).to_bytes(8, "little") + head)
        for a in (hi, lo, starts, lens):
            f.write(numpy.ascontiguousarray(a[order], dtype="<u8").tobytes())
        f.seek(len(_MAGIC))
        f.write(footer.to_bytes(8, "little"))
    return int(len(order))


class Snapshot:
    """Read-only lookups in a snapshot file (:func:`write_snapshot`), shared by a pool's workers.

    The index (32 bytes a row) is read when the file is opened; analyses are read with
    ``pread`` as they are asked for, so a worker's memory grows with its hits, not with the
    file. A missing or unreadable file is an empty snapshot."""

    def __init__(self, path: str):
        import json

        import numpy

        self.path = path
        self.rows = 0
        self._fd = -1
        self._versions: dict[str, tuple[int, int]] = {}
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as e:
            log.debug("no paragraph snapshot at %s: %s", path, e)
            return
        try:
            if os.pread(fd, len(_MAGIC), 0) != _MAGIC:
                raise ValueError("not a paragraph snapshot")
            size = os.fstat(fd).st_size
            footer = int.from_bytes(os.pread(fd, 8, len(_MAGIC)), "little")
            if not len(_MAGIC) + 8 <= footer <= size - 8:
                raise ValueError("truncated")
            nhead = int.from_bytes(os.pread(fd, 8, footer), "little")
            if nhead > size - footer - 8:
                raise ValueError("truncated")
            head = json.loads(os.pread(fd, nhead, footer + 8))
            n = int(head["rows"])
            raw = os.pread(fd, 32 * n, footer + 8 + nhead)
            if len(raw) != 32 * n:
                raise ValueError("truncated")
            a = numpy.frombuffer(raw, "<u8").reshape(4, n) if n else numpy.zeros((4, 0), "<u8")
            self._hi, self._lo, self._off, self._len = a
            self._versions = {v: (int(s), int(c)) for v, (s, c) in head["versions"].items()}
            self.rows, self._fd = n, fd
        except (OSError, ValueError, KeyError, TypeError, OverflowError) as e:
            log.warning("paragraph snapshot %s unreadable, not used: %s", path, e)
            os.close(fd)

    def get(self, version: str, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """The stored analyses of the paragraphs ``keys`` (16-byte hashes) made by ``version``."""
        import numpy

        span = self._versions.get(version)
        if not span or not keys:
            return {}
        s, c = span
        hi, lo = self._hi[s:s + c], self._lo[s:s + c]
        k = numpy.frombuffer(b"".join(keys), ">u8").reshape(-1, 2).astype(numpy.uint64)
        out = {}
        for key, i in zip(keys, numpy.searchsorted(hi, k[:, 0]).tolist()):
            want_hi, want_lo = int.from_bytes(key[:8], "big"), int.from_bytes(key[8:], "big")
            while i < c and int(hi[i]) == want_hi:
                if int(lo[i]) == want_lo:
                    blob = os.pread(self._fd, int(self._len[s + i]), int(self._off[s + i]))
                    if len(blob) == int(self._len[s + i]):
                        out[key] = blob
                    break
                i += 1
        return out

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


_snapshots: dict[str, Snapshot] = {}


def snapshot(path: str) -> Snapshot:
    """This process's :class:`Snapshot` of ``path``, opened again when the file was replaced
    (the next run of the same process writes the same path)."""
    try:
        st = os.stat(path)
        key = f"{path}\0{st.st_ino}\0{st.st_mtime_ns}"
    except OSError:
        key = path
    found = _snapshots.get(key)
    if found is None:
        for old in _snapshots.values():
            old.close()
        _snapshots.clear()
        found = _snapshots[key] = Snapshot(path)
    return found


class Ledger:
    """What a batch's analyses took from and added to the caches, for the warehouse: the
    paragraphs parsed (with their encoded analyses) and those met again, by key."""

    def __init__(self):
        self.new: dict[tuple[str, bytes], tuple[int, bytes]] = {}
        self.used: dict[tuple[str, bytes], int] = {}
        self.parsed = 0
        self.from_store = 0

    def records(self) -> tuple:
        """The ledger as ``records.ParagraphAnalysis`` rows (new ones carry their analysis)."""
        from newsmill.records import ParagraphAnalysis

        out = [ParagraphAnalysis(v, k, n, blob, self.used.get((v, k), 0)) for (v, k), (n, blob) in self.new.items()]
        out.extend(ParagraphAnalysis(v, k, 0, None, uses) for (v, k), uses in self.used.items()
                   if (v, k) not in self.new)
        return tuple(out)
