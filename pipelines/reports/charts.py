"""Charts as inline SVG, written by hand: no JavaScript, no external fonts or requests.

Every chart is a plain `<svg>` string with a `<title>` (for screen readers) and Dutch number
formatting on its axes and labels. Sizes are in CSS pixels; the A4 text column is about 640 px
wide, so charts are drawn 640 px wide and scale down with the page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

from pipelines.reports import formatting as fmt

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
INK = "#1f1f1f"
MUTED = "#5c5c5c"
GRID = "#dcdcdc"
BLUE = "#154273"  # dark blue (bars: committed)
LIGHT_BLUE = "#8fb8de"
GREEN = "#39870c"
RED = "#d52b1e"
ORANGE = "#e17000"
WIDTH = 640


def _t(value) -> str:
    return escape(str(value), quote=True)


def _num(x: float) -> str:
    """A coordinate with at most one decimal, so the SVG text is stable and small."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _text_width(text: str, size: float = 11) -> float:
    return len(text) * size * 0.58


def _open(width: float, height: float, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{_num(width)}" '
        f'height="{_num(height)}" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'font-family="{FONT}" font-size="11" fill="{INK}">',
        f"<title>{_t(title)}</title>",
    ]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values spanning low..high (both included), step 1, 2, 2.5 or 5 x 10^k."""
    if high == low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
        if len(ticks) > 50:
            break
    return ticks


def _tick_label(value: float, euro: bool) -> str:
    if euro:
        return fmt.fmt_eur(value).replace("EUR ", "")
    return fmt.fmt_int(value)


def bar_chart(title: str, categories: Sequence[str], values: Sequence[float], *,
              targets: dict[str, float] | None = None, target_label: str = "doel",
              y_label: str = "", height: float = 300) -> str:
    """Vertical bars per category (years), with a target marker over the categories that have one."""
    targets = targets or {}
    top = max([*values, *targets.values(), 1])
    ticks = nice_ticks(0, top)
    left, right, top_pad, bottom = 64, 16, 30, 46
    plot_w, plot_h = WIDTH - left - right, height - top_pad - bottom
    y_max = ticks[-1]

    def y(v: float) -> float:
        return top_pad + plot_h - (v / y_max) * plot_h

    out = _open(WIDTH, height, title)
    if y_label:
        out.append(f'<text x="{left}" y="14" fill="{MUTED}">{_t(y_label)}</text>')
    for tick in ticks:
        out.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{_num(y(tick))}" y2="{_num(y(tick))}" '
                   f'stroke="{GRID}" stroke-width="1"/>')
        out.append(f'<text x="{left - 6}" y="{_num(y(tick) + 4)}" text-anchor="end" fill="{MUTED}">'
                   f"{_t(fmt.fmt_int(tick))}</text>")
    n = max(len(categories), 1)
    slot = plot_w / n
    bar_w = min(56, slot * 0.6)
    for i, (cat, value) in enumerate(zip(categories, values)):
        cx = left + slot * (i + 0.5)
        out.append(f'<rect x="{_num(cx - bar_w / 2)}" y="{_num(y(value))}" width="{_num(bar_w)}" '
                   f'height="{_num(max(y(0) - y(value), 0))}" fill="{BLUE}"/>')
        ty = y(targets[cat]) if cat in targets else None
        # a bar that ends near its target marker carries its value inside, so the two labels never overlap
        inside = ty is not None and abs(y(value) - ty) < 18 and y(0) - y(value) > 40
        fill = ' fill="#ffffff"' if inside else ""
        value_y = max(y(value), ty) + 14 if inside else y(value) - 5  # inside: below the marker
        out.append(f'<text x="{_num(cx)}" y="{_num(value_y)}" '
                   f'text-anchor="middle"{fill}>{_t(fmt.fmt_int(value))}</text>')
        out.append(f'<text x="{_num(cx)}" y="{_num(y(0) + 16)}" text-anchor="middle">{_t(cat)}</text>')
        if ty is not None:
            out.append(f'<line x1="{_num(cx - slot * 0.45)}" x2="{_num(cx + slot * 0.45)}" y1="{_num(ty)}" '
                       f'y2="{_num(ty)}" stroke="{RED}" stroke-width="3"/>')
            label_y = min(ty, y(value)) - 6 if inside else ty - 6
            if not inside and abs((y(value) - 5) - label_y) < 14:  # would sit on the value label
                label_y = y(value) - 20
            out.append(f'<text x="{_num(cx)}" y="{_num(label_y)}" text-anchor="middle" fill="{RED}" '
                       f'font-weight="bold">{_t(target_label)} {_t(fmt.fmt_int(targets[cat]))}</text>')
    out.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{_num(y(0))}" y2="{_num(y(0))}" stroke="{INK}"/>')
    # legend
    ly = height - 12
    out.append(f'<rect x="{left}" y="{ly - 9}" width="12" height="10" fill="{BLUE}"/>')
    out.append(f'<text x="{left + 17}" y="{ly}">toegezegd in ondertekende prestatieafspraken</text>')
    if targets:
        lx = left + 320
        out.append(f'<line x1="{lx}" x2="{lx + 16}" y1="{ly - 4}" y2="{ly - 4}" stroke="{RED}" stroke-width="3"/>')
        out.append(f'<text x="{lx + 21}" y="{ly}">nationaal doel</text>')
    out.append("</svg>")
    return "".join(out)


def attainment_chart(title: str, items: Sequence[tuple[str, float | None, str]], *, cap: float = 1.5) -> str:
    """Horizontal bars: the committed part of what each target asks (1.0 = the target is met).

    items: (label, share or None when the target asks nothing, annotation shown beside the bar)."""
    row_h, top_pad, bottom = 34, 10, 40
    label_w = min(max((_text_width(label) for label, _, _ in items), default=100) + 12, 250)
    left, right = label_w, 16
    plot_w = WIDTH - left - right
    height = top_pad + row_h * len(items) + bottom

    def x(share: float) -> float:
        return left + min(share, cap) / cap * plot_w

    out = _open(WIDTH, height, title)
    for tick in (0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5):
        if tick > cap:
            continue
        out.append(f'<line x1="{_num(x(tick))}" x2="{_num(x(tick))}" y1="{top_pad}" '
                   f'y2="{_num(height - bottom + 4)}" stroke="{GRID}"/>')
        out.append(f'<text x="{_num(x(tick))}" y="{_num(height - bottom + 17)}" text-anchor="middle" '
                   f'fill="{MUTED}">{_t(fmt.fmt_pct(tick, 0))}</text>')
    for i, (label, share, note) in enumerate(items):
        y0 = top_pad + i * row_h
        out.append(f'<text x="{left - 8}" y="{_num(y0 + 15)}" text-anchor="end">{_t(label)}</text>')
        if share is None:
            out.append(f'<text x="{left + 4}" y="{_num(y0 + 15)}" fill="{MUTED}">{_t(note)}</text>')
            continue
        color = GREEN if share >= 1 else BLUE
        out.append(f'<rect x="{left}" y="{_num(y0 + 4)}" width="{_num(max(x(share) - left, 1))}" height="14" '
                   f'fill="{color}"/>')
        pct = fmt.fmt_pct(share, 0 if share >= 0.1 else 1)
        inside = x(share) - left > _text_width(pct) + 10
        if inside:
            out.append(f'<text x="{_num(x(share) - 4)}" y="{_num(y0 + 15)}" text-anchor="end" fill="#ffffff" '
                       f'font-weight="bold">{_t(pct)}</text>')
        else:
            out.append(f'<text x="{_num(x(share) + 4)}" y="{_num(y0 + 15)}" font-weight="bold">{_t(pct)}</text>')
        out.append(f'<text x="{left + 2}" y="{_num(y0 + 30)}" fill="{MUTED}" font-size="9.5">{_t(note)}</text>')
    out.append(f'<line x1="{_num(x(1))}" x2="{_num(x(1))}" y1="{top_pad - 4}" y2="{_num(height - bottom + 4)}" '
               f'stroke="{RED}" stroke-width="2"/>')
    out.append(f'<text x="{_num(x(1))}" y="{_num(height - 6)}" text-anchor="middle" fill="{RED}">'
               "100% = doel gehaald</text>")
    out.append("</svg>")
    return "".join(out)


def trajectory_chart(title: str, start: tuple[int, float] | None, points: Sequence[tuple[int, float]], *,
                     target: float = 0, start_label: str = "", target_label: str = "doel",
                     height: float = 270) -> str:
    """The stock at the latest snapshot and its projection per year, against the target level."""
    series = ([start] if start else []) + list(points)
    if not series:
        return empty_chart(title, "Geen gegevens.")
    values = [v for _, v in series] + [target]
    low, high = min(values + [0]), max(values + [1])
    ticks = nice_ticks(low, high)
    left, right, top_pad, bottom = 64, 24, 22, 44
    plot_w, plot_h = WIDTH - left - right, height - top_pad - bottom
    years = [yr for yr, _ in series]
    y_lo, y_hi = ticks[0], ticks[-1]

    def x(year: int) -> float:
        if len(years) == 1:
            return left + plot_w / 2
        return left + (year - years[0]) / (years[-1] - years[0]) * plot_w

    def y(v: float) -> float:
        return top_pad + plot_h - (v - y_lo) / (y_hi - y_lo) * plot_h

    out = _open(WIDTH, height, title)
    for tick in ticks:
        out.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{_num(y(tick))}" y2="{_num(y(tick))}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6}" y="{_num(y(tick) + 4)}" text-anchor="end" fill="{MUTED}">'
                   f"{_t(fmt.fmt_int(tick))}</text>")
    for yr in years:
        out.append(f'<text x="{_num(x(yr))}" y="{_num(top_pad + plot_h + 16)}" text-anchor="middle">{yr}</text>')
    ty = y(target)
    out.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{_num(ty)}" y2="{_num(ty)}" stroke="{RED}" '
               f'stroke-width="2" stroke-dasharray="6 4"/>')
    path = " ".join(f"{_num(x(yr))},{_num(y(v))}" for yr, v in series)
    out.append(f'<polyline points="{path}" fill="none" stroke="{BLUE}" stroke-width="2.5"/>')
    for i, (yr, v) in enumerate(series):
        is_start = start is not None and i == 0
        fill = "#ffffff" if is_start else BLUE
        out.append(f'<circle cx="{_num(x(yr))}" cy="{_num(y(v))}" r="4" fill="{fill}" stroke="{BLUE}" stroke-width="2"/>')
    # labels: first and last value
    first_year, first_value = series[0]
    last_year, last_value = series[-1]
    out.append(f'<text x="{_num(x(first_year) + 7)}" y="{_num(y(first_value) - 8)}" font-weight="bold">'
               f"{_t(fmt.fmt_int(first_value))}</text>")
    if len(series) > 1:
        color = GREEN if last_value <= target else RED
        out.append(f'<text x="{_num(x(last_year) - 4)}" y="{_num(y(last_value) - 9)}" text-anchor="end" '
                   f'font-weight="bold" fill="{color}">{_t(fmt.fmt_int(last_value))}</text>')
    ly = height - 10
    out.append(f'<circle cx="{left + 6}" cy="{ly - 4}" r="4" fill="#ffffff" stroke="{BLUE}" stroke-width="2"/>')
    out.append(f'<text x="{left + 15}" y="{ly}">{_t(start_label or "laatste peildatum")}</text>')
    lx = left + 15 + _text_width(start_label or "laatste peildatum") + 18
    out.append(f'<line x1="{_num(lx)}" x2="{_num(lx + 18)}" y1="{ly - 4}" y2="{ly - 4}" stroke="{BLUE}" stroke-width="2.5"/>')
    out.append(f'<text x="{_num(lx + 23)}" y="{ly}">verwacht na toegezegde verbeteringen</text>')
    lx2 = lx + 23 + _text_width("verwacht na toegezegde verbeteringen") + 18
    out.append(f'<line x1="{_num(lx2)}" x2="{_num(lx2 + 18)}" y1="{ly - 4}" y2="{ly - 4}" stroke="{RED}" '
               f'stroke-width="2" stroke-dasharray="6 4"/>')
    out.append(f'<text x="{_num(lx2 + 23)}" y="{ly}">{_t(target_label)}</text>')
    out.append("</svg>")
    return "".join(out)


def _wrap(text: str, width_px: float, size: float, lines: int = 2) -> list[str]:
    """Split a label over at most `lines` lines of about `width_px`; the last line ends in … if cut."""
    per_line = max(int(width_px / (size * 0.58)), 4)
    out: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) <= per_line or not current:
            current = candidate
        else:
            out.append(current)
            current = word
    out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: per_line - 1] + "…"
    return [line if len(line) <= per_line else line[: per_line - 1] + "…" for line in out]


def small_multiples(title: str, panels: Sequence[tuple[str, tuple[int, float] | None, Sequence[tuple[int, float]]]],
                    *, target: float = 0, columns: int | None = None) -> str:
    """One small trajectory per region, each on its own scale (start and end value written out);
    regions not on track (end above target) drawn in red."""
    if not panels:
        return empty_chart(title, "Geen regio's met gegevens.")
    columns = columns or (5 if len(panels) > 16 else 4)
    cell_w = WIDTH / columns
    cell_h = 100
    rows = math.ceil(len(panels) / columns)
    height = rows * cell_h + 24
    out = _open(WIDTH, height, title)
    for i, (name, start, points) in enumerate(panels):
        cx0 = (i % columns) * cell_w
        cy0 = (i // columns) * cell_h
        series = ([start] if start else []) + list(points)
        for k, line in enumerate(_wrap(name, cell_w - 8, 9.5)):
            out.append(f'<text x="{_num(cx0 + 3)}" y="{_num(cy0 + 10 + k * 11)}" font-size="9.5" '
                       f'font-weight="bold">{_t(line)}</text>')
        if not series:
            out.append(f'<text x="{_num(cx0 + 4)}" y="{_num(cy0 + 50)}" fill="{MUTED}" font-size="9">'
                       "geen gegevens</text>")
            continue
        end = series[-1][1]
        on_track = end <= target
        color = GREEN if on_track else RED
        values = [v for _, v in series] + [target]
        lo, hi = min(values), max(values)
        if hi == lo:
            hi = lo + 1
        px0, px1 = cx0 + 8, cx0 + cell_w - 12
        py0, py1 = cy0 + 30, cy0 + cell_h - 24
        years = [yr for yr, _ in series]

        def x(year: int, px0=px0, px1=px1, years=years) -> float:
            return px0 if len(years) == 1 else px0 + (year - years[0]) / (years[-1] - years[0]) * (px1 - px0)

        def y(v: float, py0=py0, py1=py1, lo=lo, hi=hi) -> float:
            return py1 - (v - lo) / (hi - lo) * (py1 - py0)

        out.append(f'<rect x="{_num(cx0 + 2)}" y="{_num(cy0 + 25)}" width="{_num(cell_w - 6)}" '
                   f'height="{_num(cell_h - 29)}" fill="none" stroke="{GRID}"/>')
        out.append(f'<line x1="{_num(px0)}" x2="{_num(px1)}" y1="{_num(y(target))}" y2="{_num(y(target))}" '
                   f'stroke="{RED}" stroke-width="1" stroke-dasharray="4 3"/>')
        path = " ".join(f"{_num(x(yr))},{_num(y(v))}" for yr, v in series)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        out.append(f'<text x="{_num(cx0 + 4)}" y="{_num(cy0 + cell_h - 10)}" font-size="8" fill="{MUTED}">'
                   f"{series[0][0]}: {_t(fmt.fmt_int(series[0][1]))}</text>")
        out.append(f'<text x="{_num(cx0 + cell_w - 6)}" y="{_num(cy0 + cell_h - 10)}" font-size="8" text-anchor="end" '
                   f'fill="{color}" font-weight="bold">{series[-1][0]}: {_t(fmt.fmt_int(end))}</text>')
    ly = height - 8
    out.append(f'<line x1="4" x2="22" y1="{ly - 4}" y2="{ly - 4}" stroke="{GREEN}" stroke-width="2"/>')
    out.append(f'<text x="27" y="{ly}" font-size="10">op koers</text>')
    out.append(f'<line x1="92" x2="110" y1="{ly - 4}" y2="{ly - 4}" stroke="{RED}" stroke-width="2"/>')
    out.append(f'<text x="115" y="{ly}" font-size="10">niet op koers (verwachte voorraad boven doel)</text>')
    out.append(f'<line x1="372" x2="390" y1="{ly - 4}" y2="{ly - 4}" stroke="{RED}" stroke-dasharray="4 3"/>')
    out.append(f'<text x="395" y="{ly}" font-size="10">doel; elke regio op eigen schaal</text>')
    out.append("</svg>")
    return "".join(out)


def share_bars(title: str, rows: Sequence[tuple[str, float | None, float | None]], *,
               labels: tuple[str, str] = ("aandeel", "aandeel")) -> str:
    """Two horizontal bars (0-100%) per row: e.g. share of stock and share of municipalities covered."""
    row_h, top_pad, bottom = 30, 8, 46
    label_w = min(max((_text_width(label) for label, _, _ in rows), default=80) + 12, 220)
    left, right = label_w, 46
    plot_w = WIDTH - left - right
    height = top_pad + row_h * len(rows) + bottom

    def x(share: float) -> float:
        return left + max(0.0, min(share, 1.0)) * plot_w

    out = _open(WIDTH, height, title)
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        out.append(f'<line x1="{_num(x(tick))}" x2="{_num(x(tick))}" y1="{top_pad}" '
                   f'y2="{_num(height - bottom + 2)}" stroke="{GRID}"/>')
        out.append(f'<text x="{_num(x(tick))}" y="{_num(height - bottom + 15)}" text-anchor="middle" '
                   f'fill="{MUTED}">{_t(fmt.fmt_pct(tick, 0))}</text>')
    for i, (label, first, second) in enumerate(rows):
        y0 = top_pad + i * row_h
        out.append(f'<text x="{left - 8}" y="{_num(y0 + 15)}" text-anchor="end">{_t(label)}</text>')
        for j, (share, color, h) in enumerate(((first, BLUE, 11), (second, LIGHT_BLUE, 8))):
            yy = y0 + 4 + j * 12
            if share is None:
                continue
            out.append(f'<rect x="{left}" y="{_num(yy)}" width="{_num(max(x(share) - left, 0.5))}" '
                       f'height="{h}" fill="{color}"/>')
            weight = ' font-weight="bold"' if j == 0 else ""
            out.append(f'<text x="{_num(x(share) + 4)}" y="{_num(yy + h - 1)}" font-size="{10 if j == 0 else 9}"'
                       f'{weight}>{_t(fmt.fmt_pct(share))}</text>')
    ly = height - 10
    out.append(f'<rect x="{left}" y="{ly - 9}" width="12" height="10" fill="{BLUE}"/>')
    out.append(f'<text x="{left + 17}" y="{ly}">{_t(labels[0])}</text>')
    lx = left + 17 + _text_width(labels[0]) + 24
    out.append(f'<rect x="{_num(lx)}" y="{ly - 8}" width="12" height="8" fill="{LIGHT_BLUE}"/>')
    out.append(f'<text x="{_num(lx + 17)}" y="{ly}">{_t(labels[1])}</text>')
    out.append("</svg>")
    return "".join(out)


def paired_bars(title: str, rows: Sequence[tuple[str, float | None, float | None]], *,
                labels: tuple[str, str] = ("toegezegd", "gerealiseerd"),
                value_fmt: Callable[[float], str] = fmt.fmt_int) -> str:
    """Two horizontal bars per row on one scale: committed and realised."""
    row_h, top_pad, bottom = 34, 8, 46
    label_w = min(max((_text_width(label) for label, _, _ in rows), default=80) + 12, 260)
    left, right = label_w, 60
    plot_w = WIDTH - left - right
    top = max([v or 0 for _, a, b in rows for v in (a, b)] + [1])
    ticks = nice_ticks(0, top, 4)
    height = top_pad + row_h * len(rows) + bottom

    def x(v: float) -> float:
        return left + max(v, 0) / ticks[-1] * plot_w

    out = _open(WIDTH, height, title)
    for tick in ticks:
        out.append(f'<line x1="{_num(x(tick))}" x2="{_num(x(tick))}" y1="{top_pad}" '
                   f'y2="{_num(height - bottom + 2)}" stroke="{GRID}"/>')
        out.append(f'<text x="{_num(x(tick))}" y="{_num(height - bottom + 15)}" text-anchor="middle" '
                   f'fill="{MUTED}">{_t(value_fmt(tick))}</text>')
    for i, (label, first, second) in enumerate(rows):
        y0 = top_pad + i * row_h
        out.append(f'<text x="{left - 8}" y="{_num(y0 + 16)}" text-anchor="end">{_t(label)}</text>')
        for j, (value, color) in enumerate(((first, BLUE), (second, ORANGE))):
            yy = y0 + 3 + j * 13
            if value is None:
                out.append(f'<text x="{left + 4}" y="{_num(yy + 10)}" font-size="9" fill="{MUTED}">'
                           f"{'geen toezegging' if j == 0 else 'niet uit register'}</text>")
                continue
            out.append(f'<rect x="{left}" y="{_num(yy)}" width="{_num(max(x(value) - left, 0.5))}" height="11" '
                       f'fill="{color}"/>')
            out.append(f'<text x="{_num(x(value) + 4)}" y="{_num(yy + 10)}" font-size="9.5">'
                       f"{_t(value_fmt(value))}</text>")
    ly = height - 10
    out.append(f'<rect x="{left}" y="{ly - 9}" width="12" height="10" fill="{BLUE}"/>')
    out.append(f'<text x="{left + 17}" y="{ly}">{_t(labels[0])}</text>')
    lx = left + 17 + _text_width(labels[0]) + 24
    out.append(f'<rect x="{_num(lx)}" y="{ly - 9}" width="12" height="10" fill="{ORANGE}"/>')
    out.append(f'<text x="{_num(lx + 17)}" y="{ly}">{_t(labels[1])}</text>')
    out.append("</svg>")
    return "".join(out)


def empty_chart(title: str, message: str) -> str:
    out = _open(WIDTH, 60, title)
    out.append(f'<text x="8" y="34" fill="{MUTED}">{_t(message)}</text></svg>')
    return "".join(out)
