"""``newsmill dashboard``: one self-contained static HTML page over the marts.

The page embeds its data and Chart.js (vendored in newsmill/assets, MIT licence), so it can be
opened from disk, mailed, or served by any static server, and loads nothing from the network when
viewed. It reads the readers' snapshot, so regenerating it never blocks a load. The refresh flow
(flows/refresh.py) rewrites it whenever newsmill.warehouse.updated fires.

What the page does (all in the browser, from the embedded data):

* a date range (from / to, or the last 7 / 30 days / everything) and a source filter that apply
  to every chart, table and count on the page;
* articles per day, stacked by source; the most mentioned people, organisations, places and
  groups (click a bar: a person opens their panel, anyone else joins the mentions chart);
* entity search (type part of a name); a result opens the person's panel and adds the entity to
  "mentions over time", a line chart of the chosen entities per day;
* a panel per person: mentions, articles, and every citable quote attributed to them (the
  ``quotes_citable`` mart: a named speaker and a calibrated confidence at or above its
  threshold), with the article's date, source and a link;
* freshness per source: last successful and last failed fetch, and fetches by error class in the
  date range (by fetch day), with the state of its feeds and sitemaps.

Terms: a *source* is a sources-file entry ("(URL list)" for URLs given directly), a *site* a host.
After drawing, the page reports what it drew in ``data-*`` attributes (``body[data-rendered]``,
``canvas[data-points]``, ``canvas[data-painted]``, ``[data-count]``) so a headless browser or an
uptime check can tell a drawn dashboard from a blank one.
"""

from __future__ import annotations

import html
import json
import logging
import os
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from newsmill import __version__
from newsmill.tasks.labels import MAIN_TYPES, NORP, ORG, PERSON, PLACE, PLURAL
from newsmill.warehouse import db
from newsmill.warehouse.sql import q

log = logging.getLogger(__name__)

# One chart per entity type, with the type's colour (types from newsmill.tasks.labels)
KINDS = tuple((t.value, PLURAL[t]) for t in MAIN_TYPES)
COLOURS = {PERSON: "#2563eb", ORG: "#d97706", PLACE: "#16a34a", NORP: "#7c3aed"}
PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d",
           "#9333ea", "#ea580c", "#0d9488", "#4b5563"]


def chart_js() -> str:
    return resources.files("newsmill").joinpath("assets", "chart.umd.min.js").read_text(encoding="utf-8")


def _safe_url(url: str | None) -> str:
    return url if url and url.split(":", 1)[0].lower() in ("http", "https") else ""


def collect(db_path: str | os.PathLike, days: int = 30, max_articles: int = 20_000) -> dict:
    """Everything the page shows, as compact JSON-able data (lists indexed by position).

    ``days``: the days of history shipped in the page (the last ``days`` days that have articles;
    the page's date filter works within them). At most ``max_articles`` articles, newest first.
    """
    with db.reader(db_path) as con:
        arts = con.execute(q("marts.sql", "dashboard_articles"), {"days": days, "limit": max_articles}).fetchall()
        ids = [a[0] for a in arts]
        ments = con.execute(q("marts.sql", "dashboard_mentions"), {"ids": ids}).fetchall() if ids else []
        quotes = con.execute(q("marts.sql", "dashboard_quotes"), {"ids": ids}).fetchall() if ids else []
        fetch_days = con.execute(q("marts.sql", "dashboard_fetch_days"), {"days": days}).fetchall()
        fresh = con.execute(q("marts.sql", "dashboard_freshness")).fetchall()
        totals = con.execute(q("marts.sql", "dashboard_totals")).fetchall()[0]
    sources = sorted({a[2] for a in arts} | {f[0] for f in fresh} | {f[0] for f in fetch_days})
    sites = sorted({a[3] for a in arts})
    s_ix = {s: i for i, s in enumerate(sources)}
    site_ix = {s: i for i, s in enumerate(sites)}
    a_ix = {a[0]: i for i, a in enumerate(arts)}
    entities: list[list] = []
    e_ix: dict[str, int] = {}
    per_article: list[list[int]] = [[] for _ in arts]
    for article_id, entity_id, name, etype, n in ments:
        if entity_id not in e_ix:
            e_ix[entity_id] = len(entities)
            entities.append([name, etype])
        per_article[a_ix[article_id]] += [e_ix[entity_id], int(n)]
    day_list = sorted({a[1] for a in arts})
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "db": str(db_path),
        "days": days,
        "totals": dict(zip(("articles", "sources", "sites", "entities", "quotes", "last_load"), totals)),
        "range": {"first": day_list[0] if day_list else None, "last": day_list[-1] if day_list else None},
        "sources": [{"name": s, "color": PALETTE[i % len(PALETTE)]} for i, s in enumerate(sources)],
        "sites": sites,
        # [day, source index, site index, title, url]
        "articles": [[a[1], s_ix[a[2]], site_ix[a[3]], a[4] or "", _safe_url(a[5])] for a in arts],
        "entities": entities,  # [name, type]
        "mentions": per_article,  # per article: entity index, count, entity index, count, ...
        # [article index, speaker as shown, speaker entity index or -1, quote, kind]
        "quotes": sorted(([a_ix[aid], sp or "", e_ix.get(sid, -1) if sid else -1, text, kind]
                          for aid, sid, sp, text, kind in quotes), key=lambda r: r[0]),  # newest articles first
        "fetches": [[s_ix[s], d, r, int(n)] for s, d, r, n in fetch_days],  # [source, fetch day, result, count]
        "freshness": {f[0]: dict(zip(("last_success", "last_failure", "docs", "docs_failing", "docs_last_ok"), f[1:]))
                      for f in fresh},
        "types": [[k, label, COLOURS[k]] for k, label in KINDS],
    }


def _e(v) -> str:
    return html.escape("" if v is None else str(v))


def render(data: dict) -> str:
    t = data["totals"]
    payload = json.dumps(data, ensure_ascii=False, default=str, separators=(",", ":")).replace("</", "<\\/")
    meta = (f'generated {_e(data["generated_at"])} · last load {_e(t["last_load"] or "never")} · '
            f'{_e(data["db"])} · newsmill {_e(__version__)} · warehouse: {_e(t["articles"])} articles from '
            f'{_e(t["sources"])} sources on {_e(t["sites"])} sites')
    entity_cards = "\n".join(
        f'<section class="card ent"><h2>{_e(label)}</h2><div class="chartbox small">'
        f'<canvas id="ent-{kind}" role="img" aria-label="Most mentioned {_e(label.lower())}"></canvas></div>'
        f'<p class="empty-note" id="ent-{kind}-empty" hidden>No {_e(label.lower())} mentioned in this selection.</p></section>'
        for kind, label in KINDS)
    return (_PAGE.replace("%%META%%", meta).replace("%%ENTITY_CARDS%%", entity_cards)
            .replace("%%DAYS%%", str(int(data["days"])))
            .replace("%%CHARTJS%%", chart_js()).replace("%%DATA%%", payload))


def write_dashboard(db_path: str | os.PathLike, out_dir: str | os.PathLike = "dashboard", days: int = 30) -> Path:
    """Write ``out_dir/index.html`` atomically and return its path.

    Raises :class:`~newsmill.warehouse.db.WarehouseError` when there is no warehouse (then nothing
    is created).
    """
    out = Path(out_dir)
    page = render(collect(db_path, days=days))  # before mkdir: a missing warehouse leaves nothing behind
    out.mkdir(parents=True, exist_ok=True)
    target = out / "index.html"
    tmp = out / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    log.info("dashboard written to %s (%d bytes)", target, len(page))
    return target


_PAGE = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>newsmill dashboard</title>
<style>
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; background: #f4f5f7; color: #1f2937; }
header { background: #111827; color: #f9fafb; padding: 14px 24px; display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
header h1 { font-size: 20px; margin: 0; } header .meta { color: #9ca3af; font-size: 12px; }
#filters { position: sticky; top: 0; z-index: 5; background: #e5e7eb; padding: 8px 24px; display: flex; gap: 12px; flex-wrap: wrap; align-items: center; }
#filters label { font-size: 12px; color: #374151; } #filters button { cursor: pointer; }
main { padding: 16px 24px; display: grid; gap: 16px; grid-template-columns: repeat(4, minmax(0, 1fr)); }
.card { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.wide { grid-column: 1 / -1; } .half { grid-column: span 2; }
h2 { font-size: 15px; margin: 0 0 8px; }
.stats { display: flex; gap: 28px; flex-wrap: wrap; } .stat b { display: block; font-size: 22px; } .stat span { color: #6b7280; }
.chartbox { position: relative; height: 280px; } .chartbox.small { height: 260px; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid #e5e7eb; }
th { font-size: 12px; color: #6b7280; text-transform: uppercase; }
td.quote, li .quote { font-style: italic; } .nowrap { white-space: nowrap; } .src { color: #6b7280; font-size: 12px; }
.empty-note, tr.empty td { color: #6b7280; }
#search-results { list-style: none; padding: 0; margin: 6px 0 0; max-height: 260px; overflow: auto; }
#search-results button, .chip button, .linkish { background: none; border: 0; padding: 2px 0; color: #1d4ed8; cursor: pointer; font: inherit; text-align: left; }
.chip { display: inline-block; background: #eef2ff; border-radius: 12px; padding: 2px 10px; margin: 2px 4px 2px 0; }
.chip button { color: #6b7280; margin-left: 6px; }
#person-close { margin-left: 12px; font-size: 12px; font-weight: normal; } #person ol { padding-left: 20px; } #person li { margin-bottom: 8px; }
.bad { color: #b91c1c; } .ok { color: #15803d; }
@media (max-width: 1000px) { main { grid-template-columns: 1fr; } .half { grid-column: 1 / -1; } }
</style></head>
<body data-rendered="false">
<header><h1>newsmill</h1><span class="meta">%%META%%</span></header>
<form id="filters" onsubmit="return false">
  <label>from <input type="date" id="f-from"></label>
  <label>to <input type="date" id="f-to"></label>
  <button type="button" id="r-7">last 7 days</button>
  <button type="button" id="r-30">last 30 days</button>
  <button type="button" id="r-all">all %%DAYS%% days</button>
  <label>source <select id="f-source"><option value="">all sources</option></select></label>
  <span class="src" id="f-summary"></span>
</form>
<main>
<section class="card wide"><div class="stats">
  <div class="stat"><b id="stat-articles">0</b><span>articles</span></div>
  <div class="stat"><b id="stat-sources">0</b><span>sources</span></div>
  <div class="stat"><b id="stat-sites">0</b><span>sites</span></div>
  <div class="stat"><b id="stat-entities">0</b><span>entities</span></div>
  <div class="stat"><b id="stat-quotes">0</b><span>citable quotes</span></div>
</div></section>
<section class="card wide"><h2>Articles per day and source</h2>
<div class="chartbox"><canvas id="daily" role="img" aria-label="Articles per day and source"></canvas></div>
<p class="empty-note" id="daily-empty" hidden>No articles in this selection. Run <code>newsmill ingest</code>, or widen the filters.</p></section>
%%ENTITY_CARDS%%
<section class="card half"><h2>Find an entity</h2>
<input type="search" id="entity-search" placeholder="type part of a name" autocomplete="off" size="30">
<ul id="search-results"></ul></section>
<section class="card half"><h2>Mentions over time</h2>
<div id="chosen"></div>
<div class="chartbox small"><canvas id="mentions" role="img" aria-label="Mentions per day of the chosen entities"></canvas></div>
<p class="empty-note" id="mentions-empty" hidden>Choose entities: search above, or click a bar.</p></section>
<section class="card wide" id="person" hidden></section>
<section class="card wide"><h2>Latest citable quotes</h2>
<table id="quotes"><thead><tr><th>day</th><th>speaker</th><th>quote</th><th>article</th></tr></thead><tbody></tbody></table></section>
<section class="card wide"><h2>Freshness per source</h2>
<table id="freshness"><thead><tr><th>source</th><th>last success</th><th>last failure</th><th>fetches in range by result</th><th>feeds and sitemaps</th></tr></thead><tbody></tbody></table>
<p class="src">Times are UTC. Fetch counts are by the day of the fetch: within the chosen dates, or over the last %%DAYS%% days of fetching when the whole range is shown.</p></section>
</main>
<script id="newsmill-data" type="application/json">%%DATA%%</script>
<script>%%CHARTJS%%</script>
<script>
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("newsmill-data").textContent);
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  var $ = function (id) { return document.getElementById(id); };
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function addDays(day, n) {
    var d = new Date(day + "T00:00:00Z"); d.setUTCDate(d.getUTCDate() + n); return d.toISOString().slice(0, 10);
  }
  function dayRange(a, b) { var out = []; for (var d = a; d <= b && out.length < 5000; d = addDays(d, 1)) out.push(d); return out; }
  var TYPES = D.types, typeLabel = {}, typeColour = {};
  TYPES.forEach(function (t) { typeLabel[t[0]] = t[1]; typeColour[t[0]] = t[2]; });
  var first = D.range.first, last = D.range.last;
  var state = { from: first, to: last, source: "", chosen: [], person: -1, autoChosen: true };
  var charts = {};

  var src = $("f-source");
  D.sources.forEach(function (s, i) { src.appendChild(el("option", { value: String(i) }, s.name)); });
  ["f-from", "f-to"].forEach(function (id) { if (first) { $(id).min = first; $(id).max = last; } });

  function selection() {
    var sel = [];
    for (var i = 0; i < D.articles.length; i++) {
      var a = D.articles[i];
      if (state.from && a[0] < state.from) continue;
      if (state.to && a[0] > state.to) continue;
      if (state.source !== "" && a[1] !== +state.source) continue;
      sel.push(i);
    }
    return sel;
  }
  function painted(canvas) {
    try {
      var ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height, n = 0;
      var px = ctx.getImageData(0, 0, w, h).data;
      for (var y = 0; y < h; y += 4) for (var x = 0; x < w; x += 4) if (px[(y * w + x) * 4 + 3] > 0) n++;
      return n;
    } catch (e) { return -1; }
  }
  function draw(id, config, emptyId, empty) {
    var canvas = $(id);
    if (charts[id]) { charts[id].destroy(); delete charts[id]; }
    canvas.parentNode.hidden = empty; $(emptyId).hidden = !empty;
    canvas.removeAttribute("data-points"); canvas.removeAttribute("data-painted");
    if (empty) return null;
    var chart = new Chart(canvas, config);
    var pts = 0;
    chart.data.datasets.forEach(function (d, i) { pts += chart.getDatasetMeta(i).data.length; });
    canvas.setAttribute("data-points", String(pts));
    canvas.setAttribute("data-painted", String(painted(canvas)));
    charts[id] = chart;
    return chart;
  }
  function setStat(id, n) { var e = $(id); e.textContent = String(n); e.setAttribute("data-count", String(n)); }

  function choose(ei, openPerson) {
    if (state.autoChosen) { state.chosen = []; state.autoChosen = false; }
    if (state.chosen.indexOf(ei) < 0) state.chosen.push(ei);
    if (openPerson && D.entities[ei][1] === "PERSON") state.person = ei;
    update();
    if (openPerson && D.entities[ei][1] === "PERSON") $("person").scrollIntoView();
  }

  function update() {
    var sel = selection();
    var days = state.from && state.to ? dayRange(state.from, state.to) : [];
    var dayIx = {}; days.forEach(function (d, i) { dayIx[d] = i; });
    var inSel = {}; sel.forEach(function (i) { inSel[i] = true; });
    // per entity: mentions, articles, mentions per day
    var ent = {};
    var srcSeen = {}, siteSeen = {};
    sel.forEach(function (i) {
      var a = D.articles[i], m = D.mentions[i];
      srcSeen[a[1]] = true; siteSeen[a[2]] = true;
      for (var k = 0; k < m.length; k += 2) {
        var e = ent[m[k]] || (ent[m[k]] = { mentions: 0, articles: 0, perDay: {} });
        e.mentions += m[k + 1]; e.articles += 1; e.perDay[a[0]] = (e.perDay[a[0]] || 0) + m[k + 1];
      }
    });
    var quotes = D.quotes.filter(function (q) { return inSel[q[0]]; });
    setStat("stat-articles", sel.length);
    // sources are sources-file entries: URLs given directly are none
    setStat("stat-sources", Object.keys(srcSeen).filter(function (s) { return D.sources[s].name !== "(URL list)"; }).length);
    setStat("stat-sites", Object.keys(siteSeen).length);
    setStat("stat-entities", Object.keys(ent).length);
    setStat("stat-quotes", quotes.length);
    $("f-summary").textContent = (state.from || "") + " to " + (state.to || "") +
      (state.source === "" ? ", all sources" : ", source " + D.sources[+state.source].name);

    // articles per day, stacked by source
    var series = {};
    sel.forEach(function (i) {
      var a = D.articles[i];
      (series[a[1]] || (series[a[1]] = days.map(function () { return 0; })))[dayIx[a[0]]] += 1;
    });
    var srcIds = Object.keys(series).map(Number).sort(function (x, y) { return D.sources[x].name < D.sources[y].name ? -1 : 1; });
    draw("daily", { type: "bar",
      data: { labels: days, datasets: srcIds.map(function (s) {
        return { label: D.sources[s].name, data: series[s], backgroundColor: D.sources[s].color }; }) },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
                 plugins: { legend: { position: "bottom" } } } }, "daily-empty", sel.length === 0);

    // most mentioned, per type
    TYPES.forEach(function (t) {
      var rows = Object.keys(ent).map(Number).filter(function (ei) { return D.entities[ei][1] === t[0]; });
      rows.sort(function (x, y) { return ent[y].mentions - ent[x].mentions || (D.entities[x][0] < D.entities[y][0] ? -1 : 1); });
      rows = rows.slice(0, 10);
      var c = draw("ent-" + t[0], { type: "bar",
        data: { labels: rows.map(function (ei) { return D.entities[ei][0]; }),
                datasets: [{ label: "mentions", data: rows.map(function (ei) { return ent[ei].mentions; }), backgroundColor: t[2] }] },
        options: { indexAxis: "y", plugins: { legend: { display: false } },
                   scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
                   onClick: function (evt, els) { if (els.length) choose(rows[els[0].index], true); } } },
        "ent-" + t[0] + "-empty", rows.length === 0);
      $("ent-" + t[0]).setAttribute("data-entities", JSON.stringify(rows.map(function (ei) { return D.entities[ei][0]; })));
    });

    // mentions over time: the chosen entities, else the three most mentioned people
    if (state.autoChosen) {
      state.chosen = Object.keys(ent).map(Number).filter(function (ei) { return D.entities[ei][1] === "PERSON"; })
        .sort(function (x, y) { return ent[y].mentions - ent[x].mentions; }).slice(0, 3);
    }
    var chips = $("chosen"); chips.textContent = "";
    state.chosen.forEach(function (ei) {
      var chip = el("span", { "class": "chip", "data-entity": D.entities[ei][0] }, D.entities[ei][0]);
      var x = el("button", { type: "button", "aria-label": "remove " + D.entities[ei][0] }, "×");
      x.addEventListener("click", function () { state.autoChosen = false; state.chosen.splice(state.chosen.indexOf(ei), 1); update(); });
      chip.appendChild(x); chips.appendChild(chip);
    });
    var palette = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];
    var mc = draw("mentions", { type: "line",
      data: { labels: days, datasets: state.chosen.map(function (ei, k) {
        var e = ent[ei];
        return { label: D.entities[ei][0], borderColor: palette[k % palette.length], backgroundColor: palette[k % palette.length],
                 data: days.map(function (d) { return e ? (e.perDay[d] || 0) : 0; }) }; }) },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { position: "bottom" } } } },
      "mentions-empty", state.chosen.length === 0 || days.length === 0);
    $("mentions").setAttribute("data-totals", JSON.stringify(state.chosen.map(function (ei) {
      return [D.entities[ei][0], ent[ei] ? ent[ei].mentions : 0]; })));

    // search results follow the filters too
    search();

    // latest quotes
    var tb = $("quotes").tBodies[0]; tb.textContent = "";
    quotes.slice(0, 25).forEach(function (q) { tb.appendChild(quoteRow(q)); });
    if (!quotes.length) { var r = el("tr", { "class": "empty" }); r.appendChild(el("td", { colspan: "4" }, "No quotes in this selection.")); tb.appendChild(r); }
    $("quotes").setAttribute("data-count", String(quotes.length));

    // the person's panel
    var panel = $("person"); panel.textContent = "";
    if (state.person >= 0) {
      var pe = state.person, e = ent[pe], said = quotes.filter(function (q) { return q[2] === pe; });
      panel.hidden = false; panel.setAttribute("data-entity", D.entities[pe][0]);
      var h = el("h2", null, D.entities[pe][0]);
      var close = el("button", { type: "button", id: "person-close", "class": "linkish" }, "close");
      close.addEventListener("click", function () { state.person = -1; update(); });
      h.appendChild(close); panel.appendChild(h);
      panel.appendChild(el("p", { id: "person-counts" }, (e ? e.mentions : 0) + " mentions in " + (e ? e.articles : 0) +
        " articles; " + said.length + " quotes in this selection"));
      var ol = el("ol", { id: "person-quotes" });
      said.forEach(function (q) {
        var a = D.articles[q[0]], li = el("li");
        li.appendChild(el("span", { "class": "quote" }, "“" + q[3] + "”"));
        li.appendChild(el("div", { "class": "src" }, a[0] + " · " + D.sources[a[1]].name + " · " + D.sites[a[2]] + " · " + q[4]));
        li.appendChild(articleLink(a));
        ol.appendChild(li);
      });
      if (!said.length) panel.appendChild(el("p", { "class": "empty-note" }, "No quotes attributed to this person in this selection."));
      panel.appendChild(ol);
    } else { panel.hidden = true; panel.removeAttribute("data-entity"); }

    // freshness per source
    var fb = $("freshness").tBodies[0]; fb.textContent = "";
    D.sources.forEach(function (s, si) {
      if (state.source !== "" && si !== +state.source) return;
      var f = D.freshness[s.name] || {}, counts = {};
      D.fetches.forEach(function (x) {
        // by fetch day within a narrowed range; with the whole range, every fetch shipped (the
        // last days of fetching, which need not be the days the articles are dated)
        var whole = state.from === first && state.to === last;
        if (x[0] === si && (whole || (x[1] >= state.from && x[1] <= state.to))) counts[x[2]] = (counts[x[2]] || 0) + x[3];
      });
      var tr = el("tr", { "data-source": s.name });
      tr.appendChild(el("td", null, s.name));
      tr.appendChild(el("td", { "class": "ok nowrap" }, f.last_success || "never"));
      tr.appendChild(el("td", { "class": "bad nowrap" }, f.last_failure || "never"));
      tr.appendChild(el("td", { "data-counts": JSON.stringify(counts) }, Object.keys(counts).sort().map(function (k) { return k + " " + counts[k]; }).join(", ") || "none"));
      tr.appendChild(el("td", null, f.docs ? (f.docs + " (" + f.docs_failing + " failing; last read " + (f.docs_last_ok || "never") + ")") : "none"));
      fb.appendChild(tr);
    });
    document.body.setAttribute("data-charts", String(Object.keys(charts).length));
  }

  function articleLink(a) {
    if (!a[4]) return el("span", null, a[3]);
    return el("a", { href: a[4], rel: "noopener noreferrer" }, a[3] || a[4]);
  }
  function quoteRow(q) {
    var a = D.articles[q[0]], tr = el("tr");
    tr.appendChild(el("td", { "class": "nowrap" }, a[0]));
    var sp = el("td");
    if (q[2] >= 0 && D.entities[q[2]][1] === "PERSON") {
      var b = el("button", { type: "button", "class": "linkish speaker" }, q[1]);
      b.addEventListener("click", function () { choose(q[2], true); });
      sp.appendChild(b);
    } else if (q[1]) { sp.textContent = q[1]; } else { sp.appendChild(el("i", null, "unattributed")); }
    tr.appendChild(sp);
    tr.appendChild(el("td", { "class": "quote" }, "“" + q[3] + "”"));
    var td = el("td"); td.appendChild(articleLink(a));
    td.appendChild(el("div", { "class": "src" }, D.sources[a[1]].name + " · " + D.sites[a[2]]));
    tr.appendChild(td);
    return tr;
  }

  function search() {
    var box = $("entity-search"), out = $("search-results"), needle = box.value.trim().toLowerCase();
    out.textContent = "";
    if (!needle) { out.setAttribute("data-count", "0"); return; }
    var sel = selection(), totals = {};
    sel.forEach(function (i) { var m = D.mentions[i]; for (var k = 0; k < m.length; k += 2) totals[m[k]] = (totals[m[k]] || 0) + m[k + 1]; });
    var hits = Object.keys(totals).map(Number).filter(function (ei) { return D.entities[ei][0].toLowerCase().indexOf(needle) >= 0; })
      .sort(function (x, y) { return totals[y] - totals[x] || (D.entities[x][0] < D.entities[y][0] ? -1 : 1); }).slice(0, 20);
    hits.forEach(function (ei) {
      var li = el("li"), b = el("button", { type: "button", "data-entity": D.entities[ei][0] },
        D.entities[ei][0] + " (" + (typeLabel[D.entities[ei][1]] || D.entities[ei][1]) + ") · " + totals[ei] + " mentions");
      b.addEventListener("click", function () { choose(ei, true); });
      li.appendChild(b); out.appendChild(li);
    });
    if (!hits.length) out.appendChild(el("li", { "class": "empty-note" }, "No entity matches in this selection."));
    out.setAttribute("data-count", String(hits.length));
  }

  function setRange(from, to) {
    state.from = from; state.to = to; $("f-from").value = from || ""; $("f-to").value = to || ""; update();
  }
  $("f-from").addEventListener("change", function () { if (this.value) { state.from = this.value; update(); } });
  $("f-to").addEventListener("change", function () { if (this.value) { state.to = this.value; update(); } });
  $("r-7").addEventListener("click", function () { if (last) setRange(addDays(last, -6) < first ? first : addDays(last, -6), last); });
  $("r-30").addEventListener("click", function () { if (last) setRange(addDays(last, -29) < first ? first : addDays(last, -29), last); });
  $("r-all").addEventListener("click", function () { setRange(first, last); });
  src.addEventListener("change", function () { state.source = src.value; update(); });
  $("entity-search").addEventListener("input", search);
  setRange(first, last);
  document.body.setAttribute("data-rendered", "true");
})();
</script>
</body></html>
"""
