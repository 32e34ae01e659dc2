"""The province portal ``OUT/index.html``: each county's on-time rate and totals, linked.

Figures come from what each county's site already publishes (``<code>/data/stats.json``),
so the portal shows nothing a county page does not. One small self-contained page: no
theme, no script, nothing from another origin.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from markupsafe import escape

from generator.province.model import Province

STYLE = """body{font:16px/1.6 system-ui,"Noto Sans CJK SC",sans-serif;margin:0;color:#1b1b1b}
header{background:#1565c0;color:#fff;padding:1rem}header h1{margin:0;font-size:1.3rem}
main{max-width:60rem;margin:0 auto;padding:1rem}table{border-collapse:collapse;width:100%}
th,td{padding:.5rem;border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
a{color:#0d47a1}.search{display:flex;gap:.5rem;margin:1rem 0}.search input{flex:1;font-size:1rem;padding:.5rem}
.search button{font-size:1rem;padding:.5rem 1rem}footer{color:#555;font-size:.9rem;padding:1rem;text-align:center}"""


def county_figures(site: Path) -> dict[str, object]:
    stats = json.loads((site / "data" / "stats.json").read_text(encoding="utf-8"))
    timeliness, totals = stats.get("timeliness") or {}, stats.get("totals") or {}
    return {"rate": timeliness.get("rate"), "published": timeliness.get("published", 0),
            "on_time": timeliness.get("on_time", 0), "paid": float(totals.get("paid", 0.0)),
            "payments": int(totals.get("payments", 0)), "recipients": int(totals.get("recipients", 0)),
            "through": stats.get("data_through") or ""}


def write_portal(province: Province, out: Path, as_of: dt.date, figures: list[dict[str, object]]) -> Path:
    """`figures`: ``county_figures`` of each county's site, in the province's order (read by
    each county's task)."""
    rows, paid, payments = [], 0.0, 0
    for county, f in zip(province.counties, figures, strict=True):
        paid += float(f["paid"])  # type: ignore[arg-type]
        payments += int(f["payments"])  # type: ignore[call-overload]
        rate = "—" if f["rate"] is None else f"{float(f['rate']):.1%}"  # type: ignore[arg-type]
        rows.append(
            f'<tr><td><a href="{escape(county.code)}/">{escape(county.name)}</a></td>'
            f'<td class="n">{rate}</td><td class="n">{f["on_time"]}/{f["published"]}</td>'
            f'<td class="n">{float(f["paid"]):,.2f}</td><td class="n">{f["payments"]:,}</td>'  # type: ignore[arg-type]
            f'<td class="n">{f["recipients"]:,}</td></tr>')
    title = f"{province.name}惠民惠农财政补贴资金“一卡通”公开平台"
    html = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{escape(title)}</title><style>{STYLE}</style></head>
<body><header><h1>{escape(title)}</h1></header>
<main>
<form class="search" action="search/" method="get" role="search">
<input name="q" type="search" aria-label="姓名、拼音或身份证后四位" placeholder="全省查询：姓名、拼音或身份证后四位">
<button type="submit">查询</button></form>
<p>全省 {len(province.counties)} 个县（市、区）已公开 {payments:,} 笔补贴发放记录，合计 {paid:,.2f} 元。点击县名查看该县的公开名单、政策和投诉渠道。</p>
<table><thead><tr><th>县（市、区）</th><th>按时公开率</th><th>按时/已公开批次</th><th>发放金额（元）</th><th>发放笔数</th><th>受益人数</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
</main>
<footer>数据截至 {as_of.isoformat()}。身份证号、卡号按规定脱敏显示。</footer>
</body></html>
"""
    path = out / "index.html"
    path.write_text(html, encoding="utf-8")
    complaint = out / "complaint" / "index.html"
    complaint.parent.mkdir(parents=True, exist_ok=True)
    links = "".join(f'<li><a href="../{escape(c.code)}/complaint/">{escape(c.name)}</a></li>' for c in province.counties)
    complaint.write_text(f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>我要反映 · {escape(title)}</title><style>{STYLE}</style></head>
<body><header><h1>我要反映</h1></header><main><p>补贴问题由发放补贴的县受理，请选择所在的县：</p><ul>{links}</ul>
<p><a href="../">返回首页</a></p></main></body></html>
""", encoding="utf-8")
    return path
