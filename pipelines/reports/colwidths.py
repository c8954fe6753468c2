"""Column widths for the report tables, estimated from their text.

Why: the PDF (Typst) sets every table with these widths as fractions of the text width. Typst's own
automatic columns squeeze the first column of a wide table down to one word and measure all of the
7,500 cells of the national report; the HTML uses them as a `<colgroup>` hint. The rules are those
of automatic table layout (CSS 2.1, 17.5.2.2) applied to estimated text widths: every column gets
at least its longest unbreakable piece, and the space left is shared in proportion to how much
more each column would take on one line.

Text widths are estimated per character in em of DejaVu Sans, a wider face than the PDF's
Libertinus Serif, so a figure never overflows its column; numbers never wrap, text wraps between
words, and header words of 13 characters or more (7 in wide tables) may be hyphenated (the PDF
hyphenates headers in Dutch; report.css: `hyphenate-limit-chars`).
"""

from __future__ import annotations

# Advance widths in em, DejaVu Sans (regular), rounded up; bold text is ~13% wider.
_NARROW = set(" .,:;'|!ilIjft()[]")
_WIDE = set("mwMW%@")
_DIGITS = set("0123456789")
_BOLD = 1.13
# A table's width in em of its font size: A4 portrait 178 mm / 8.5 pt (3.0 mm), landscape 269 mm;
# wide tables are set at 7.5 pt (2.65 mm).
PAGE_EM = {"portrait": 59.0, "landscape": 89.5, "wide": 101.0}
_PADDING_EM = 1.05  # 1.5 mm either side
_FIRST_TEXT_MIN_EM = {"portrait": 8.7, "landscape": 8.7, "wide": 15.1}  # td.txt:first-child min-width
# header words this long may be hyphenated (report.css: hyphenate-limit-chars, lower in wide tables)
_HYPHENATE_FROM = {"portrait": 13, "landscape": 13, "wide": 7}
_HYPHEN_EM = 0.36


def text_em(text: str) -> float:
    """Estimated advance width in em of DejaVu Sans."""
    width = 0.0
    for ch in text:
        if ch in _DIGITS:
            width += 0.64
        elif ch in _NARROW:
            width += 0.34
        elif ch in _WIDE:
            width += 0.96
        elif ch.isupper():
            width += 0.74
        else:
            width += 0.62
    return width


# Libertinus Serif (the PDF's font, in the typst wheel) sets text at about 0.77 of these widths
# (measured with Typst on headers, names and figures); 0.8 keeps a little to spare.
LIBERTINUS = 0.8


def _words(text: str) -> list[str]:
    return text.split()


def header_fits(header: str, percent: float, page: str = "portrait", scale: float = 1.0) -> bool:
    """Whether every word of a (bold) header fits whole in a column `percent` of the table wide."""
    width = percent / 100 * PAGE_EM[page] - _PADDING_EM
    return all(text_em(word) * scale * _BOLD <= width for word in _words(header))


def column_widths(headers: list[str], rows: list[list[str]], numeric: list[bool], bold_rows: set[int],
                  page: str = "portrait", scale: float = 1.0) -> list[float]:
    """Per column its width in percent of the table (two decimals, summing to about 100).

    `scale`: the font's widths against DejaVu Sans' (the PDF's Libertinus Serif: LIBERTINUS)."""
    n = len(headers)

    def em(text: str) -> float:  # the estimate in the table's own font
        return text_em(text) * scale

    if n == 0:
        return []
    minimum = [0.0] * n
    maximum = [0.0] * n
    whole_words = [0.0] * n  # the header's longest word unhyphenated
    for c, header in enumerate(headers):
        words = _words(header)
        whole_words[c] = max((em(w) for w in words), default=0.0) * _BOLD
        hyphenate = c > 0  # the first column's header is not hyphenated (th:first-child)
        longest = 0.0
        for word in words:
            if hyphenate and len(word) >= _HYPHENATE_FROM[page]:
                # the widest piece after hyphenation: about half the word, and the hyphen
                longest = max(longest, em(word[:(len(word) + 1) // 2]) + _HYPHEN_EM)
            else:
                longest = max(longest, em(word))
        minimum[c] = longest * _BOLD
        one_line = max((em(line) for line in header.split("\n")), default=0.0) * _BOLD
        # a figure column's header may take two lines: the width it would want for one line goes
        # to the text columns instead (names in the first column then wrap less)
        maximum[c] = max(one_line / 2, minimum[c]) if numeric[c] else one_line
    for r, row in enumerate(rows):
        factor = _BOLD if r in bold_rows else 1.0
        for c in range(n):
            text = row[c]
            if numeric[c]:
                width = em(text) * factor
                minimum[c] = max(minimum[c], width)
                maximum[c] = max(maximum[c], width)
                continue
            for line in text.split("\n"):
                maximum[c] = max(maximum[c], em(line) * factor)
                for word in _words(line):
                    minimum[c] = max(minimum[c], em(word) * factor)
    if not numeric[0]:
        minimum[0] = max(minimum[0], _FIRST_TEXT_MIN_EM[page] - _PADDING_EM)
    minimum = [m + _PADDING_EM for m in minimum]
    available = PAGE_EM[page]
    # header words whole where the page has room for them, the cheapest first; the rest hyphenated.
    # Not in wide tables: with 15 figure columns a few whole headers only squeeze the others.
    for c in sorted(range(n) if page != "wide" else [], key=lambda i: (whole_words[i] + _PADDING_EM - minimum[i], i)):
        extra = whole_words[c] + _PADDING_EM - minimum[c]
        if extra > 0 and sum(minimum) + extra <= available:
            minimum[c] += extra
    maximum = [max(x + _PADDING_EM, m) for x, m in zip(maximum, minimum)]
    if sum(maximum) <= available:
        widths = maximum
    elif sum(minimum) >= available:
        widths = minimum
    else:
        spare = available - sum(minimum)
        stretch = [x - m for x, m in zip(maximum, minimum)]
        total_stretch = sum(stretch)
        widths = [m + spare * s / total_stretch for m, s in zip(minimum, stretch)]
    total = sum(widths)
    return [round(100.0 * w / total, 2) for w in widths]
