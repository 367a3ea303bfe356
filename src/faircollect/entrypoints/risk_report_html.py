"""The risk report as one HTML page with its charts drawn in inline SVG (no script, no library)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from faircollect.risk.drift import AUC_FLOOR, PSI_MODERATE, PSI_WARNING, Shift, Week
from faircollect.services.risk_report import KindHealth, RiskReport

_STYLE = """
body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 2em; } h3 { font-size: 1em; }
.warn { background: #fff3f0; border-left: 4px solid #c0392b; padding: .5em 1em; }
.ok { background: #f0faf3; border-left: 4px solid #2e8b57; padding: .5em 1em; }
table { border-collapse: collapse; } td, th { padding: 2px 10px; text-align: right; }
th { border-bottom: 1px solid #999; } td:first-child, th:first-child { text-align: left; }
svg text { font-size: 11px; fill: #333; }
"""


def _bars(expected: Sequence[float], actual: Sequence[float], title: str) -> str:
    """Side-by-side bars of two distributions over the same bins (training grey, today blue)."""
    width, height, pad = 520, 170, 30
    n = max(len(expected), 1)
    top = max([*expected, *actual, 0.01])
    slot = (width - 2 * pad) / n
    parts = [f'<svg width="{width}" height="{height + 30}" role="img" aria-label="{escape(title)}">']
    for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
        x = pad + i * slot
        for j, (value, colour) in enumerate(((e, "#aaa"), (a, "#2f6fb0"))):
            h = (height - pad) * value / top
            parts.append(
                f'<rect x="{x + 2 + j * slot / 2.4:.1f}" y="{height - h:.1f}" width="{slot / 2.6:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{value:.1%}</title></rect>'
            )
        label = "∅" if i == n - 1 else str(i + 1)
        parts.append(f'<text x="{x + slot / 2 - 4:.1f}" y="{height + 14}">{label}</text>')
    parts.append(
        f'<text x="{pad}" y="14">{escape(title)} (grey: training, blue: today; bins, ∅ missing)</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _psi_chart(shifts: Sequence[Shift]) -> str:
    """Horizontal bars of each feature's PSI with the two thresholds marked."""
    row, left, width = 18, 190, 330
    top = max([PSI_WARNING * 1.5, *(s.psi for s in shifts)])
    height = row * len(shifts) + 30
    parts = [f'<svg width="{left + width + 60}" height="{height}" role="img" aria-label="feature PSI">']
    for i, s in enumerate(shifts):
        y = 20 + i * row
        w = width * s.psi / top
        colour = "#c0392b" if s.psi > PSI_WARNING else "#e6a23c" if s.psi > PSI_MODERATE else "#2e8b57"
        parts.append(f'<text x="0" y="{y + 11}">{escape(s.name)}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{max(w, 1):.1f}" height="{row - 4}" fill="{colour}"/>')
        parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 11}">{s.psi:.3f}</text>')
    for mark in (PSI_MODERATE, PSI_WARNING):
        x = left + width * mark / top
        parts.append(
            f'<line x1="{x:.1f}" y1="12" x2="{x:.1f}" y2="{height}" stroke="#999" stroke-dasharray="3,3"/>'
        )
        parts.append(f'<text x="{x - 10:.1f}" y="10">{mark}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _auc_chart(weeks: Sequence[Week], expected: float | None) -> str:
    """AUC by week as a line, with the model's own figure and the floor as dashed lines."""
    points = [(str(w.week), w.auc) for w in weeks if w.auc is not None]
    if not points:
        return "<p>No week has outcomes yet: a score's outcome is known a horizon after its date.</p>"
    width, height, pad = 520, 180, 34
    low = 0.5

    def y(value: float) -> float:
        return height - pad - (height - 2 * pad) * (value - low) / (1 - low)

    step = (width - 2 * pad) / max(len(points) - 1, 1)
    parts = [f'<svg width="{width}" height="{height}" role="img" aria-label="AUC by week">']
    for value, colour in ((expected, "#2f6fb0"), (AUC_FLOOR, "#c0392b")):
        if value is not None:
            parts.append(
                f'<line x1="{pad}" x2="{width - pad}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                f'stroke="{colour}" stroke-dasharray="4,3"/><text x="{width - pad + 2}" y="{y(value) + 4:.1f}">'
                f"{value:.2f}</text>"
            )
    coords = [(pad + i * step, y(v)) for i, (_, v) in enumerate(points)]
    parts.append(
        '<polyline fill="none" stroke="#222" stroke-width="2" points="'
        + " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords)
        + '"/>'
    )
    for (label, value), (cx, cy) in zip(points, coords, strict=True):
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3"><title>{label}: {value:.3f}</title></circle>'
        )
        parts.append(f'<text x="{cx - 28:.1f}" y="{height - 8}">{label[5:]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _kind(k: KindHealth) -> str:
    html = [f"<h2>{escape(k.kind)} — model {escape(k.version)} (trained on {k.trained_on})</h2>"]
    html.append(f"<p>{k.accounts:,} accounts scored on the report date.</p>")
    if k.score is not None:
        html.append(f"<h3>Score: PSI {k.score.psi:.3f} ({k.score.level})</h3>")
        html.append(_bars(k.score.expected, k.score.actual, "score distribution"))
    if k.features:
        html.append("<h3>Features: PSI between the training rows and today</h3>")
        html.append(_psi_chart(k.features))
    html.append("<h3>AUC by week of the stored scores, once their outcomes arrived</h3>")
    html.append(_auc_chart(k.weeks, k.expected_auc))
    if k.weeks:
        html.append(
            "<table><tr><th>week of</th><th>dates</th><th>accounts</th><th>bad outcomes</th><th>AUC</th></tr>"
        )
        for w in k.weeks:
            auc = "-" if w.auc is None else f"{w.auc:.3f}"
            html.append(
                f"<tr><td>{w.week}</td><td>{w.dates}</td><td>{w.rows:,}</td><td>{w.positives:,}</td><td>{auc}</td></tr>"
            )
        html.append("</table>")
    return "".join(html)


def render(report: RiskReport) -> str:
    """The whole report as a standalone HTML page."""
    html = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>faircollect risk report {report.as_of or ''}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Book models: drift and AUC, {report.as_of or 'no scores yet'}</h1>",
    ]
    if report.note:
        html.append(f"<p>{escape(report.note)}</p>")
    if report.warnings:
        html.append("<div class='warn'><b>Warnings</b><ul>")
        html.extend(f"<li>{escape(w)}</li>" for w in report.warnings)
        html.append("</ul></div>")
    elif report.kinds:
        html.append("<div class='ok'>No drift past its threshold.</div>")
    html.extend(_kind(k) for k in report.kinds)
    html.append("</body></html>")
    return "\n".join(html)
