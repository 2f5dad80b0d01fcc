"""``newsmill dashboard``: one self-contained static HTML page over the marts.

The page embeds its data and Chart.js (vendored in newsmill/assets, MIT licence), so it can be
opened from disk, mailed, or served by any static server, and loads nothing from the network when
viewed. It reads the readers' snapshot, so regenerating it never blocks a load. The refresh flow
(flows/refresh.py) rewrites it whenever newsmill.warehouse.updated fires.

After drawing, the page reports what it drew in ``data-*`` attributes (``body[data-rendered]``,
``canvas[data-points]``, ``canvas[data-painted]``) so a headless browser or an uptime check can
tell a drawn dashboard from a blank one.
"""

from __future__ import annotations

import html
import json
import logging
import os
from datetime import UTC, date, datetime, timedelta
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


def collect(db_path: str | os.PathLike, days: int = 30, top: int = 10, quotes: int = 25) -> dict:
    """Everything the page shows, as plain JSON-able data."""
    with db.reader(db_path) as con:
        daily = con.execute(q("marts.sql", "dashboard_daily"), {"days": days}).fetchall()
        ents = con.execute(q("marts.sql", "dashboard_top_entities"), {"days": days, "limit": top}).fetchall()
        quote_rows = con.execute(q("marts.sql", "dashboard_quotes"), {"limit": quotes}).fetchall()
        totals = con.execute(q("marts.sql", "dashboard_totals")).fetchall()[0]
    day_list: list[str] = []
    if daily:
        first, last = date.fromisoformat(daily[0][0]), date.fromisoformat(daily[-1][0])
        day_list = [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    sources = sorted({s for _d, s, _n in daily})
    index = {d: i for i, d in enumerate(day_list)}
    series = {s: [0] * len(day_list) for s in sources}
    for d, s, n in daily:
        series[s][index[d]] = int(n)
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "db": str(db_path),
        "days": days,
        "totals": dict(zip(("articles", "sources", "entities", "quotes", "last_load"), totals)),
        "daily": {"days": day_list,
                  "series": [{"source": s, "color": PALETTE[i % len(PALETTE)], "counts": series[s]}
                             for i, s in enumerate(sources)]},
        "entities": {k: [{"entity": e, "mentions": int(m), "articles": int(a)} for kind, e, m, a in ents if kind == k]
                     for k, _label in KINDS},
        "quotes": [dict(zip(("day", "source", "speaker", "quote", "title", "url"), r)) for r in quote_rows],
    }


def _e(v) -> str:
    return html.escape("" if v is None else str(v))


def _safe_url(url: str | None) -> str | None:
    return url if url and url.split(":", 1)[0].lower() in ("http", "https") else None


def render(data: dict) -> str:
    t = data["totals"]
    quote_rows = []
    for r in data["quotes"]:
        link = _safe_url(r["url"])
        title = f'<a href="{_e(link)}" rel="noopener noreferrer">{_e(r["title"] or r["url"])}</a>' if link else _e(r["title"])
        quote_rows.append(
            f'<tr><td class="nowrap">{_e(r["day"])}</td><td>{_e(r["speaker"]) or "<i>unattributed</i>"}</td>'
            f'<td class="quote">“{_e(r["quote"])}”</td><td>{title}<div class="src">{_e(r["source"])}</div></td></tr>')
    quotes_html = ("\n".join(quote_rows) if quote_rows else
                   '<tr class="empty"><td colspan="4">No quotes yet (enrichment off, or none found).</td></tr>')
    entity_blocks = "\n".join(
        f'<section class="card ent"><h2>{label}</h2><div class="chartbox small">'
        f'<canvas id="ent-{kind}" role="img" aria-label="Most mentioned {label.lower()}"></canvas></div>'
        f'<p class="empty-note" id="ent-{kind}-empty" hidden>No {label.lower()} mentioned yet.</p></section>'
        for kind, label in KINDS)
    payload = json.dumps(data, ensure_ascii=False, default=str).replace("</", "<\\/")
    stats = "".join(f'<div class="stat"><b>{_e(t[k])}</b><span>{k}</span></div>'
                    for k in ("articles", "sources", "entities", "quotes"))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>newsmill dashboard</title>
<style>
body {{ font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; background: #f4f5f7; color: #1f2937; }}
header {{ background: #111827; color: #f9fafb; padding: 14px 24px; display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }}
header h1 {{ font-size: 20px; margin: 0; }} header .meta {{ color: #9ca3af; font-size: 12px; }}
main {{ padding: 16px 24px; display: grid; gap: 16px; grid-template-columns: repeat(4, minmax(0, 1fr)); }}
.card {{ background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }}
.wide {{ grid-column: 1 / -1; }}
h2 {{ font-size: 15px; margin: 0 0 8px; }}
.stats {{ display: flex; gap: 24px; }} .stat b {{ display: block; font-size: 22px; }} .stat span {{ color: #6b7280; }}
.chartbox {{ position: relative; height: 280px; }} .chartbox.small {{ height: 260px; }}
table {{ border-collapse: collapse; width: 100%; }} th, td {{ text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid #e5e7eb; }}
th {{ font-size: 12px; color: #6b7280; text-transform: uppercase; }}
td.quote {{ font-style: italic; max-width: 60ch; }} .nowrap {{ white-space: nowrap; }} .src {{ color: #6b7280; font-size: 12px; }}
.empty-note, tr.empty td {{ color: #6b7280; }}
@media (max-width: 900px) {{ main {{ grid-template-columns: 1fr; }} }}
</style></head>
<body data-rendered="false">
<header><h1>newsmill</h1><span class="meta">generated {_e(data["generated_at"])} · last load {_e(t["last_load"] or "never")} · {_e(data["db"])} · newsmill {__version__}</span></header>
<main>
<section class="card wide"><div class="stats">{stats}</div></section>
<section class="card wide"><h2>Articles per day and source (last {data["days"]} days with data)</h2>
<div class="chartbox"><canvas id="daily" role="img" aria-label="Articles per day and source"></canvas></div>
<p class="empty-note" id="daily-empty" hidden>No articles yet: run <code>newsmill ingest</code>.</p></section>
{entity_blocks}
<section class="card wide"><h2>Latest quotes</h2>
<table id="quotes"><thead><tr><th>day</th><th>speaker</th><th>quote</th><th>article</th></tr></thead>
<tbody>
{quotes_html}
</tbody></table></section>
</main>
<script id="newsmill-data" type="application/json">{payload}</script>
<script>{chart_js()}</script>
<script>
(function () {{
  var data = JSON.parse(document.getElementById("newsmill-data").textContent);
  var charts = [];
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  function painted(canvas) {{
    // count drawn pixels on a coarse grid: a blank canvas has none
    try {{
      var ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height, n = 0;
      var px = ctx.getImageData(0, 0, w, h).data;
      for (var y = 0; y < h; y += 4) for (var x = 0; x < w; x += 4) if (px[(y * w + x) * 4 + 3] > 0) n++;
      return n;
    }} catch (e) {{ return -1; }}
  }}
  function done(canvas, chart) {{
    var pts = 0;
    chart.data.datasets.forEach(function (d, i) {{ pts += chart.getDatasetMeta(i).data.length; }});
    canvas.setAttribute("data-points", String(pts));
    canvas.setAttribute("data-painted", String(painted(canvas)));
    charts.push(chart);
  }}
  var dc = document.getElementById("daily");
  if (data.daily.days.length) {{
    var ch = new Chart(dc, {{
      type: "bar",
      data: {{ labels: data.daily.days, datasets: data.daily.series.map(function (s) {{
        return {{ label: s.source, data: s.counts, backgroundColor: s.color }}; }}) }},
      options: {{ scales: {{ x: {{ stacked: true }}, y: {{ stacked: true, beginAtZero: true, ticks: {{ precision: 0 }} }} }},
                 plugins: {{ legend: {{ position: "bottom" }} }} }}
    }});
    done(dc, ch);
  }} else {{
    dc.parentNode.hidden = true; document.getElementById("daily-empty").hidden = false;
  }}
  {json.dumps([[k, COLOURS[k]] for k, _label in KINDS])}.forEach(function (k) {{
    var rows = data.entities[k[0]] || [], c = document.getElementById("ent-" + k[0]);
    if (!rows.length) {{ c.parentNode.hidden = true; document.getElementById("ent-" + k[0] + "-empty").hidden = false; return; }}
    var chart = new Chart(c, {{
      type: "bar",
      data: {{ labels: rows.map(function (r) {{ return r.entity; }}),
               datasets: [{{ label: "mentions", data: rows.map(function (r) {{ return r.mentions; }}), backgroundColor: k[1] }}] }},
      options: {{ indexAxis: "y", plugins: {{ legend: {{ display: false }} }},
                 scales: {{ x: {{ beginAtZero: true, ticks: {{ precision: 0 }} }} }} }}
    }});
    done(c, chart);
  }});
  document.body.setAttribute("data-charts", String(charts.length));
  document.body.setAttribute("data-rendered", "true");
}})();
</script>
</body></html>
"""


def write_dashboard(db_path: str | os.PathLike, out_dir: str | os.PathLike = "dashboard", days: int = 30) -> Path:
    """Write ``out_dir/index.html`` atomically and return its path."""
    out = Path(out_dir)
    page = render(collect(db_path, days=days))  # before mkdir: a missing warehouse leaves nothing behind
    out.mkdir(parents=True, exist_ok=True)
    target = out / "index.html"
    tmp = out / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    log.info("dashboard written to %s (%d bytes)", target, len(page))
    return target
