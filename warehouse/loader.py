"""Loading batches of processed pages into the warehouse, idempotently and atomically.

A batch is staged as Arrow tables and merged by the statements in ``sql/load.sql`` and
``sql/enrich.sql`` inside one transaction, so a crash or an error mid-batch leaves nothing of it
behind, and loading the same pages again adds ``fetches`` rows but never a second article.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb
import pyarrow as pa

from newsmill.config import LoadOptions
from newsmill.outcomes import ErrorClass, FetchOutcome
from newsmill.records import Document, Enrichment, PageResult, stable_id
from newsmill.tasks.entities import alias_evidence, mention_aliases
from newsmill.tasks.labels import PERSON
from newsmill.tasks.urls import choose_canonical, owner_site, site_key
from newsmill.warehouse import paragraphs, schema
from newsmill.warehouse.db import rollback
from newsmill.warehouse.sql import q, statements

log = logging.getLogger(__name__)


@dataclass
class BatchCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    fetched: int = 0
    errors: Counter = field(default_factory=Counter)
    new_articles: list[str] = field(default_factory=list)  # article ids

    @property
    def loaded(self) -> int:
        return self.new + self.updated

    def add(self, other: "BatchCounts") -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.failed += other.failed
        self.fetched += other.fetched
        self.errors.update(other.errors)
        self.new_articles.extend(other.new_articles)


def source_id_for(url: str) -> str:
    return site_key(url)


def article_id_for(canonical_url: str) -> str:
    return stable_id(canonical_url)


def entity_id_for(name: str, label: str) -> str:
    return stable_id(label, name)


def _published(doc: Document) -> tuple[datetime | None, date | None]:
    if not doc.published:
        return None, None
    try:
        if len(doc.published) == 10:
            d = date.fromisoformat(doc.published)
            return datetime(d.year, d.month, d.day, tzinfo=UTC), d
        dt = datetime.fromisoformat(doc.published)
        stated = dt.date()
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt, stated
    except ValueError:
        return None, None


def _ts(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value if len(value) > 10 else value + "T00:00:00")
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# stage table name -> Arrow schema, from the one schema spec (also the Parquet staging's files)
# (stage_paragraphs is written by warehouse/paragraphs.py, not staged for scale-out)
SCHEMAS = {name: t.arrow_schema for name, t in schema.STAGES.items()
           if name not in ("stage_docs", "stage_found", "stage_paragraphs")}
# the Document attributes an articles column of the same name is copied from
_DOC_FIELDS = tuple(n for n in schema.table("articles").names(schema.PAGE)
                    if n in {f.name for f in dataclasses.fields(Document)})


def enrichment_rows(article_id: str, enrichment: Enrichment, now: datetime, content_hash: str,
                    run_id: str | None, text: str = "") -> dict[str, list[dict]]:
    """Stage rows for one article's enrichment (entities, mentions, quotes); ``text`` is the
    enriched text (alias evidence reads it: docs/entities.md)."""
    entities: dict[str, dict] = {}
    mentions = {}
    for m in enrichment.entities:
        eid = entity_id_for(m.name, m.label)
        entities.setdefault(eid, {"entity_id": eid, "name": m.name, "type": m.label, "seen_at": now})
        # entity_id starts as the article's own entity; enrich.sql re-links short forms by the
        # warehouse's alias evidence (docs/entities.md)
        alias, alias_title = mention_aliases(m.text, m.label, m.name, m.title, text)
        mentions[(m.start, m.end)] = {"article_id": article_id, "entity_id": eid, "start_char": m.start,
                                      "end_char": m.end, "text": m.text, "label": m.label,
                                      "article_entity_id": eid, "alias": alias, "alias_title": alias_title,
                                      "link": "article"}
    aliases = enrichment.aliases
    if aliases is None:  # an enrichment made elsewhere than enrich_texts (the pipeline's come with theirs)
        aliases = sorted(alias_evidence(enrichment.entities, text))
    evidence = [{"article_id": article_id, "alias": a, "entity_id": entity_id_for(name, label)}
                for a, name, label in aliases]
    quotes = {}
    for qt in enrichment.quotes:
        speaker_eid = None
        if qt.speaker_name:
            label = qt.speaker_label or PERSON
            speaker_eid = entity_id_for(qt.speaker_name, label)
            entities.setdefault(speaker_eid, {"entity_id": speaker_eid, "name": qt.speaker_name,
                                              "type": label, "seen_at": now})
        qid = stable_id(article_id, str(qt.start), str(qt.end))
        first = qt.start if qt.quotation_start is None else qt.quotation_start
        first_end = qt.end if first == qt.start else next(
            (p.end for p in enrichment.quotes if p.start == first and p.part == 1), None)
        quotes[qid] = {"quote_id": qid, "article_id": article_id, "text": qt.text, "kind": qt.kind,
                       "cue": qt.cue, "speaker": qt.speaker, "speaker_entity_id": speaker_eid,
                       "speaker_name": qt.speaker_name, "start_char": qt.start, "end_char": qt.end,
                       "speaker_start": qt.speaker_start, "speaker_end": qt.speaker_end,
                       "speaker_article_entity_id": speaker_eid, "confidence": qt.confidence,
                       "quotation_id": stable_id(article_id, str(first), str(first_end))
                       if first_end is not None else qid, "part": qt.part, "parts": qt.parts}
    return {
        "stage_entities": list(entities.values()),
        "stage_mentions": list(mentions.values()),
        "stage_alias_evidence": evidence,
        "stage_quotes": list(quotes.values()),
        "stage_enrichments": [{"article_id": article_id, "content_hash": content_hash, "model": enrichment.model,
                               "skipped": enrichment.skipped, "entities": len(mentions),
                               "quotes": len(quotes), "enriched_at": now, "run_id": run_id}],
    }


def stage_batch(results: list[PageResult], run_id: str, now: datetime | None = None,
                extractor_version: str | None = None, source_names: dict[str, str] | None = None) -> dict[str, list[dict]]:
    """Turn processed pages into stage rows (pure: no database), keyed by stage table name."""
    now = now or datetime.now(UTC)
    source_names = source_names or {}
    rows: dict[str, list[dict]] = {name: [] for name in SCHEMAS}
    seen_articles: set[str] = set()
    sources: dict[str, dict] = {}
    raws: dict[str, dict] = {}
    for r in results:
        page = r.page
        article_id = None
        outcome = r.outcome  # NOT_MODIFIED or FAILED now; a document's is judged by the MERGE
        failure = r.failure
        error, detail = (failure.error, failure.detail) if failure else (None, page.error_detail)
        if r.document is not None:
            doc = r.document
            canonical, ignored = choose_canonical(doc.canonical_ignored or doc.canonical_url, page.final_url or page.url)
            if ignored:
                # a page may only speak for its own site: a foreign or non-http canonical URL
                # would key (and overwrite) another article
                log.warning("%s: %s", page.url, ignored)
                detail = ignored
                doc = dataclasses.replace(doc, canonical_url=canonical)
            article_id = article_id_for(doc.canonical_url)
            if article_id in seen_articles:
                outcome = FetchOutcome.UNCHANGED  # a second URL of an article already in this batch
            else:
                seen_articles.add(article_id)
                sid = source_id_for(doc.canonical_url or page.final_url or page.url)
                sources.setdefault(sid, {"source_id": sid, "name": page.source or source_names.get(sid, sid),
                                         "host": sid, "site_name": doc.site_name, "seen_at": now})
                raw_id = hashlib.sha256(page.body or b"").hexdigest()
                raws.setdefault(raw_id, {"raw_html_id": raw_id, "html_gz": gzip.compress(page.body or b"", 6),
                                         "encoding": page.encoding, "bytes": page.size, "stored_at": now})
                pub_at, pub_date = _published(doc)
                rows["stage_articles"].append({
                    **{n: getattr(doc, n) for n in _DOC_FIELDS},
                    "article_id": article_id, "source_id": sid, "url": page.url,
                    "canonical_url": doc.canonical_url, "published_at": pub_at, "published_date": pub_date,
                    "published_raw": doc.published, "modified_at": _ts(doc.modified),
                    "word_count": len(doc.text.split()), "content_hash": doc.content_hash,
                    "raw_html_id": raw_id, "extractor_version": extractor_version, "seen_at": now,
                    "run_id": run_id})
                for pos, name in enumerate(doc.authors):
                    rows["stage_article_authors"].append({"article_id": article_id,
                                                          "author_id": stable_id(name.lower()),
                                                          "name": name, "position": pos})
                if r.enrichment is not None:
                    er = enrichment_rows(article_id, r.enrichment, now, doc.content_hash, run_id, doc.text)
                    for k, v in er.items():
                        rows[k].extend(v)
        rows["stage_fetches"].append({
            # one fetch row per URL per run: a retried run (a flow retry after a failure) records
            # its URLs again under the same ids, and the insert keeps the first
            "fetch_id": stable_id("fetch", run_id, page.url), "run_id": run_id, "url": page.url, "final_url": page.final_url,
            "status_code": page.status_code, "content_type": page.content_type, "bytes": page.size or None,
            "error": error and str(error), "error_detail": detail,
            "outcome": outcome and outcome.stored, "article_id": article_id,
            "fetched_at": page.fetched_at, "elapsed_ms": page.elapsed_ms, "attempts": page.attempts,
            "etag": page.etag, "last_modified": page.last_modified})
    rows["stage_fetches"] = list({f["fetch_id"]: f for f in reversed(rows["stage_fetches"])}.values())[::-1]
    rows["stage_sources"] = list(sources.values())
    rows["stage_raw_pages"] = list(raws.values())
    rows[paragraphs.STAGE] = paragraphs.stage_rows(results, now)
    # entities mentioned by several articles of the batch are staged once
    ents = {}
    for e in rows["stage_entities"]:
        ents.setdefault(e["entity_id"], e)
    rows["stage_entities"] = list(ents.values())
    return rows


def _register(con: duckdb.DuckDBPyConnection, rows: dict[str, list[dict]]) -> None:
    for name, arrow in SCHEMAS.items():
        con.register(name, pa.Table.from_pylist(rows.get(name, []), schema=arrow))


def _unregister(con: duckdb.DuckDBPyConnection) -> None:
    for name in SCHEMAS:
        try:
            con.unregister(name)
        except duckdb.Error:
            pass


def _drop_foreign(con: duckdb.DuckDBPyConnection, rows: dict[str, list[dict]]) -> None:
    """Unstage articles whose id belongs to an article loaded from another site: one site's page
    never replaces another site's article (its fetch is recorded as ``canonical_conflict``)."""
    staged = {a["article_id"]: a for a in rows["stage_articles"]}
    if not staged:
        return
    existing = con.execute(q("load.sql", "article_urls"), {"ids": list(staged)}).fetchall()
    foreign = {aid: url for aid, url in existing if owner_site(url) != owner_site(staged[aid]["url"])}
    if not foreign:
        return
    for aid, url in foreign.items():
        log.warning("%s claims article %s, loaded from %s (another site): not overwritten",
                    staged[aid]["url"], aid, url)
    rows["stage_articles"] = [a for a in rows["stage_articles"] if a["article_id"] not in foreign]
    for name in ("stage_article_authors", "stage_mentions", "stage_quotes", "stage_enrichments"):
        rows[name] = [x for x in rows[name] if x["article_id"] not in foreign]
    for f in rows["stage_fetches"]:
        if f["article_id"] in foreign:
            f.update(error=ErrorClass.CANONICAL_CONFLICT, outcome=FetchOutcome.FAILED.stored,
                     error_detail=f"its canonical URL is the article loaded from {foreign[f['article_id']]}, "
                                  "another site: not overwritten", article_id=None)


def write_rows(con: duckdb.DuckDBPyConnection, rows: dict[str, list[dict]],
               paragraph_cache: int = LoadOptions.paragraph_cache) -> BatchCounts:
    """Merge staged rows in one transaction and return what happened to each article.

    The same transaction adds the batch's counts to its run's ``runs`` row, so a run killed
    between batches (``kill -9``) still shows what its committed batches loaded, and writes
    the batch's paragraph analyses (``warehouse/paragraphs.py``, at most ``paragraph_cache``
    rows in all; 0: none)."""
    counts = BatchCounts()
    _drop_foreign(con, rows)
    for f in rows["stage_fetches"]:
        if f["error"]:
            counts.failed += 1
            counts.errors[f["error"]] += 1
        elif f["status_code"] and 200 <= f["status_code"] < 300:
            counts.fetched += 1
        if f["outcome"] == FetchOutcome.UNCHANGED:
            counts.unchanged += 1  # a 304, or a second URL of an article in this batch
    _register(con, rows)
    con.execute("BEGIN TRANSACTION")
    try:
        for name, sql in statements("load.sql"):
            if name in ("counts", "new_articles", "article_urls", "run_progress"):
                continue
            con.execute(sql)
        if rows.get("stage_enrichments"):
            for _name, sql in statements("enrich.sql"):
                con.execute(sql)
        paragraphs.write(con, rows.get(paragraphs.STAGE) or [], paragraph_cache)
        for outcome, n in con.execute(q("load.sql", "counts")).fetchall():
            setattr(counts, outcome, getattr(counts, outcome) + n)
        counts.new_articles = [r[0] for r in con.execute(q("load.sql", "new_articles")).fetchall()]
        run_ids = {f["run_id"] for f in rows["stage_fetches"]}
        if len(run_ids) == 1:
            con.execute(q("load.sql", "run_progress"), {
                "run_id": run_ids.pop(), "fetched": counts.fetched, "new": counts.new, "updated": counts.updated,
                "unchanged": counts.unchanged, "failed": counts.failed})
        con.execute("COMMIT")
    except BaseException:
        rollback(con)  # a COMMIT that failed (disk full) has ended the transaction already
        raise
    finally:
        _unregister(con)
    return counts


def load_batch(con: duckdb.DuckDBPyConnection, results: list[PageResult], run_id: str,
               extractor_version: str | None = None,
               paragraph_cache: int = LoadOptions.paragraph_cache) -> BatchCounts:
    return write_rows(con, stage_batch(results, run_id, extractor_version=extractor_version), paragraph_cache)


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, flow: str, urls: int, versions: dict) -> None:
    con.execute(q("runs.sql", "start"), {
        "run_id": run_id, "flow": flow, "started_at": datetime.now(UTC), "urls": urls,
        "newsmill_version": versions.get("newsmill"), "extractor_version": versions.get("extractor"),
        "model": versions.get("model")})


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, counts: BatchCounts, status: str,
               message: str | None = None) -> None:
    con.execute(q("runs.sql", "finish"), {
        "run_id": run_id, "finished_at": datetime.now(UTC), "status": status, "fetched": counts.fetched,
        "loaded": counts.loaded, "new": counts.new, "updated": counts.updated,
        "unchanged": counts.unchanged, "failed": counts.failed,
        "errors": json.dumps(dict(sorted(counts.errors.items()))), "message": message})


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[dict]:
    """The latest ``limit`` runs, newest first: every ``runs`` column a user reads, plus ``pid``
    and ``hostname``, as dicts."""
    cur = con.execute(q("runs.sql", "recent"), {"limit": limit})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def known_bodies(con: duckdb.DuckDBPyConnection, urls: list[str], extractor_version: str,
                 model: str | None) -> dict[str, str]:
    """URL -> sha256 of the body its article was built from, where the same body needs no new work."""
    return dict(con.execute(q("incremental.sql", "known_bodies"), {
        "urls": urls, "extractor_version": extractor_version, "model": model}).fetchall())


def site_texts(con: duckdb.DuckDBPyConnection, urls: list[str], per_site: int) -> dict[str, list[tuple[str, str]]]:
    """Per site of ``urls``: (canonical_url, text) of its most recently seen articles."""
    if per_site <= 0 or not urls:
        return {}
    out: dict[str, list[tuple[str, str]]] = {}
    rows = con.execute(q("incremental.sql", "site_texts"), {
        "sources": sorted({site_key(u) for u in urls}), "per_site": per_site}).fetchall()
    for source_id, canonical_url, text in rows:
        out.setdefault(source_id, []).append((canonical_url, text))
    return out


def validators(con: duckdb.DuckDBPyConnection, urls: list[str]) -> dict[str, tuple[str | None, str | None]]:
    return {u: (e, lm) for u, e, lm in con.execute(q("runs.sql", "validators"), {"urls": urls}).fetchall()}
