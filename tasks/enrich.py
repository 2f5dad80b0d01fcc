"""Enrich stage: named entities under canonical names, and quotations with their speakers.

(Interface in place; the NER and quote logic lands with the enrichment issue.)
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from newsmill.config import EnrichOptions
from newsmill.records import Enrichment, PageResult

log = logging.getLogger(__name__)


def enrich_texts(texts: Sequence[str], opts: EnrichOptions = EnrichOptions(),
                 languages: Sequence[str | None] | None = None) -> list[Enrichment]:
    return [Enrichment(skipped="enrichment not built yet") for _ in texts]


def enrich_results(results: Sequence[PageResult], opts: EnrichOptions = EnrichOptions()) -> list[PageResult]:
    """Attach an :class:`Enrichment` to every result that has a document."""
    if not opts.enabled:
        return list(results)
    idx = [i for i, r in enumerate(results) if r.document is not None]
    enrichments = enrich_texts([results[i].document.text for i in idx], opts,
                               [results[i].document.language for i in idx])
    out = list(results)
    for i, e in zip(idx, enrichments):
        out[i] = dataclasses.replace(out[i], enrichment=e)
    return out


def model_version(opts: EnrichOptions = EnrichOptions()) -> str | None:
    return None
