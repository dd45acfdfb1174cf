"""Server-side SVG charts for the supervisor's dashboard: no script, no external resource, the same
markup in every browser and in print. Each chart has a title and a description for screen readers;
the page shows the numbers in tables as well."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 680, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 30, 44
BLUE, GREEN, RED, GREY, INK = "#1d70b8", "#00703c", "#d4351c", "#b1b4b6", "#0b0c0c"


def _nice_max(value: float, ticks: int = 5, *, whole: bool = False) -> tuple[float, float]:
    """An axis maximum and tick step that read well (1, 2, 5 × 10^n; at least 1 for counts)."""
    if value <= 0:
        return 1.0, 1.0
    raw = max(value / ticks, 1.0) if whole else value / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return step * math.ceil(value / step), step


def _text_width(text: str, size: float = 12) -> float:
    """Rough rendered width: CJK characters are square, Latin ones about half as wide."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.56 for ch in text)


def _legend(items: list[tuple[str, str, str]], *, x: float = LEFT, y: float = 12) -> list[str]:
    """A row of (kind, colour, label) keys: kind is "bar", "line", "dash" or "dot"."""
    parts = []
    for kind, colour, label in items:
        if kind == "bar":
            parts.append(f'<rect x="{x:.1f}" y="{y - 6}" width="12" height="10" fill="{colour}"/>')
        else:
            dash = {"dash": ' stroke-dasharray="6 4"', "dot": ' stroke-dasharray="2 3"'}.get(kind, "")
            parts.append(f'<line x1="{x:.1f}" x2="{x + 18:.1f}" y1="{y - 1}" y2="{y - 1}" stroke="{colour}" '
                         f'stroke-width="2.5"{dash}/>')
        parts.append(f'<text x="{x + 22:.1f}" y="{y + 3}" fill="{INK}">{escape(label)}</text>')
        x += 22 + _text_width(label) + 18
    return parts


def _svg(chart_id: str, title: str, description: str, body: list[str], *, width: int = WIDTH,
         height: int = HEIGHT) -> SafeString:
    return mark_safe(  # noqa: S308 - every text below passes through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="inherit" font-size="12">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
        + "".join(body) + "</svg>"
    )


def _y_axis(y_max: float, step: float, plot_h: float, *, width: int = WIDTH, percent: bool = False) -> list[str]:
    parts = []
    value = 0.0
    while value <= y_max + 1e-9:
        y = TOP + plot_h - value / y_max * plot_h
        label = f"{value:.0%}" if percent else f"{value:g}"
        parts.append(f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e6e7"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#505a5f">{label}</text>')
        value += step
    return parts


def histogram(chart_id: str, counts: Mapping[int, int], *, committed: int, statutory: int,
              legacy: int | None = None, measured_median: float | None = None, joint: bool = False) -> SafeString:
    """Cases by headline processing days, with the committed and statutory limits marked."""
    title = _("办理时长分布（收件至最后一项决定）") if joint else _("办理时长分布（受理至决定，扣除特别程序）")
    top_day = max([*counts.keys(), statutory + 2, committed + 2])
    x_max = top_day + 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    y_max, step = _nice_max(max(counts.values(), default=1), whole=True)
    bar_w = plot_w / x_max
    body = _y_axis(y_max, step, plot_h)
    for day, count in sorted(counts.items()):
        h = count / y_max * plot_h
        x = LEFT + day * bar_w
        tip = _("%(days)d 个工作日：%(n)d 件") % {"days": day, "n": count}
        body.append(f'<rect class="bar" x="{x + 0.5:.1f}" y="{TOP + plot_h - h:.1f}" width="{max(bar_w - 1, 1):.1f}" '
                    f'height="{h:.1f}" fill="{BLUE}"><title>{escape(tip)}</title></rect>')
    label_every = max(1, math.ceil(x_max / 20))
    for day in range(0, x_max, label_every):
        x = LEFT + (day + 0.5) * bar_w
        body.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" fill="#505a5f">{day}</text>')
    body.append(f'<text x="{LEFT}" y="{HEIGHT - 8}" fill="{INK}">'
                f'{escape(_("办理时长（工作日）"))}</text>')
    marks = [(committed, GREEN, _("承诺时限 %(n)d 个工作日") % {"n": committed}, "dash"),
             (statutory, RED, _("法定时限 %(n)d 个工作日") % {"n": statutory}, "dash")]
    if measured_median is not None and measured_median <= top_day:
        marks.append((measured_median, "#6f777b", _("改革前实测中位数 %(n)s") % {"n": f"{measured_median:g}"}, "dot"))
    if legacy is not None and legacy <= top_day:
        marks.append((legacy, "#6f777b", _("改革前时限 %(n)d") % {"n": legacy}, "line"))
    for value, colour, _label, kind in marks:
        x = LEFT + (value + 1) * bar_w  # the limit is met by every bar to its left
        dash = {"dash": ' stroke-dasharray="6 4"', "dot": ' stroke-dasharray="2 3"'}.get(kind, "")
        body.append(f'<line class="limit" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + plot_h}" '
                    f'stroke="{colour}" stroke-width="2.5"{dash}/>')
    body += _legend([("bar", BLUE, _("件数")), *[(kind, colour, label) for _v, colour, label, kind in marks]])
    if legacy is not None and legacy > top_day:
        # Outside the f-string: xgettext does not look inside one, so the label would never be translated.
        off_chart = _("改革前时限 %(n)d 个工作日（图外）") % {"n": legacy}
        body.append(f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end" fill="#505a5f">'
                    f'{escape(off_chart)}</text>')
    total = sum(counts.values())
    description = _("%(n)d 件；承诺时限 %(c)d 个工作日，法定时限 %(s)d 个工作日。") % {
        "n": total, "c": committed, "s": statutory}
    return _svg(chart_id, title, description, body)


def trend(chart_id: str, months: Sequence[dict], *, committed: int, legacy: int | None = None) -> SafeString:
    """Median (bar) and 90th percentile (tick) of the headline time per month of decision, with
    the number of cases under each month and the committed limit as a line."""
    title = _("月度趋势：办理时长中位数与90分位")
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = max([*(m["p90"] or 0 for m in months), committed + 2])
    y_max, step = _nice_max(top)
    body = _y_axis(y_max, step, plot_h)
    slot = plot_w / max(len(months), 1)
    for index, month in enumerate(months):
        x = LEFT + index * slot
        if not month["count"]:  # a month without a decision: a labelled gap, not a bar at zero
            empty = _("%(month)s：无已作出决定的办件") % {"month": month["month"]}
            body.append(f'<text class="empty-month" x="{x + slot / 2:.1f}" y="{TOP + plot_h - 6}" '
                        f'text-anchor="middle" fill="#505a5f">—<title>{escape(empty)}</title></text>')
        else:
            median, p90 = month["median"] or 0, month["p90"] or 0
            h = median / y_max * plot_h
            tip = _("%(month)s：%(n)d 件，中位数 %(median)s，90分位 %(p90)s 个工作日") % {
                "month": month["month"], "n": month["count"], "median": f"{median:g}", "p90": f"{p90:g}"}
            body.append(f'<rect class="bar" x="{x + slot * 0.2:.1f}" y="{TOP + plot_h - h:.1f}" '
                        f'width="{slot * 0.6:.1f}" height="{h:.1f}" fill="{BLUE}"><title>{escape(tip)}</title></rect>')
            y90 = TOP + plot_h - p90 / y_max * plot_h
            body.append(f'<line x1="{x + slot * 0.25:.1f}" x2="{x + slot * 0.75:.1f}" y1="{y90:.1f}" y2="{y90:.1f}" '
                        f'stroke="{INK}" stroke-width="2"/>')
        body.append(f'<text x="{x + slot / 2:.1f}" y="{TOP + plot_h + 15}" text-anchor="middle" fill="#505a5f">'
                    f'{escape(month["month"][2:])}</text>'
                    f'<text x="{x + slot / 2:.1f}" y="{TOP + plot_h + 29}" text-anchor="middle" fill="#505a5f" '
                    f'font-size="10">n={month["count"]}</text>')
    y = TOP + plot_h - committed / y_max * plot_h
    body.append(f'<line class="limit" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GREEN}" '
                f'stroke-width="2" stroke-dasharray="6 4"/><text x="{WIDTH - RIGHT}" y="{y - 5:.1f}" text-anchor="end" '
                f'fill="{GREEN}" font-weight="700">{committed}</text>')
    body += _legend([("bar", BLUE, _("中位数")), ("line", INK, _("90分位")), ("dash", GREEN, _("承诺时限"))])
    if legacy is not None:
        legacy_label = _("改革前时限 %(n)d 个工作日") % {"n": legacy}
        body.append(f'<text x="{WIDTH - RIGHT}" y="15" text-anchor="end" fill="#505a5f">'
                    f'{escape(legacy_label)}</text>')
    description = _("%(n)d 个月的办理时长中位数与90分位（工作日）。") % {"n": len(months)}
    empty = sum(1 for m in months if not m["count"])
    if empty:
        description += _("其中 %(n)d 个月没有已作出决定的办件。") % {"n": empty}
    return _svg(chart_id, title, description, body)


def on_time(chart_id: str, months: Sequence[dict]) -> SafeString:
    """Share of cases decided within the committed and within the statutory limit, per month."""
    title = _("按时办结率（按决定月份）")
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    body = _y_axis(1.0, 0.25, plot_h, percent=True)
    slot = plot_w / max(len(months), 1)
    body += _legend([("line", RED, _("法定时限内")), ("line", GREEN, _("承诺时限内"))])
    for key, colour in (("on_time_statutory", RED), ("on_time_committed", GREEN)):
        # One line per run of months with decisions: a month without any breaks the line (a gap).
        runs: list[list] = [[]]
        for index, month in enumerate(months):
            if month[key] is None:
                runs.append([])
                continue
            x = LEFT + (index + 0.5) * slot
            y = TOP + plot_h - month[key] * plot_h
            runs[-1].append((x, y, month))
        for points in runs:
            if not points:
                continue
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _m in points)
            body.append(f'<polyline class="line" points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
            for x, y, month in points:
                tip = f"{month['month']}: {month[key]:.0%}"
                body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"><title>{escape(tip)}</title>'
                            f"</circle>")
    for index, month in enumerate(months):
        x = LEFT + (index + 0.5) * slot
        body.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 15}" text-anchor="middle" fill="#505a5f">'
                    f'{escape(month["month"][2:])}</text>')
    description = _("每月在承诺时限、法定时限内作出决定的办件比例。")
    return _svg(chart_id, title, description, body)


def reduction_bars(chart_id: str, rows: Sequence[dict]) -> SafeString:
    """Now vs before, per service: the median processing time against the legacy limit and the
    measured legacy median, as horizontal bars under each service's name."""
    title = _("改革前后办理时长对比（中位数，工作日）")
    row_h = 74
    height = TOP + len(rows) * row_h + 4
    top = max([1, *(v for r in rows for v in (r["legacy_limit"] or 0, r["measured_median"] or 0, r["median"] or 0))])
    x_max, _step = _nice_max(top)
    plot_w = WIDTH - LEFT - RIGHT - 40
    body = _legend([("bar", GREY, _("改革前时限")), ("bar", "#6f777b", _("改革前实测中位数")),
                    ("bar", BLUE, _("现在（中位数）"))])
    for index, row in enumerate(rows):
        y = TOP + index * row_h
        body.append(f'<text x="{LEFT}" y="{y + 12}" fill="{INK}" font-weight="700">{escape(row["label"])}</text>')
        for offset, value, colour in ((18, row["legacy_limit"], GREY), (34, row["measured_median"], "#6f777b"),
                                      (50, row["median"], BLUE)):
            if value is None:
                continue
            w = value / x_max * plot_w
            body.append(f'<rect class="bar" x="{LEFT}" y="{y + offset}" width="{max(w, 1):.1f}" height="13" '
                        f'fill="{colour}"/><text x="{LEFT + w + 5:.1f}" y="{y + offset + 11}" fill="{INK}" '
                        f'font-size="11">{value:g}</text>')
    description = "; ".join(f"{r['label']}: {r['median']} / {r['legacy_limit']}" for r in rows)
    return _svg(chart_id, title, description, body, height=height)
