"""The weekly summary as a PDF (ReportLab), walking the same model as the HTML."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from escalator.reports.render import Model

BLUE = colors.HexColor("#1f4e79")


PADDING = 12.0  # a Table cell's default left + right padding, in points


def column_widths(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...], font: str,
                  size: float, total: float) -> list[float]:
    """Widths that never break a word: each column gets at least its longest word
    (headers in bold), and the room left is shared by how much more each column's
    longest text would need to stand on one line.

    Equal shares broke Finnish headers inside words ("Kuittausaik a"): a long
    compound needs its column, a "Määrä" column does not.
    """
    bold = font + "-Bold" if not font.endswith("-Bold") else font

    def word(text: str, face: str) -> float:
        return max((stringWidth(w, face, size) for w in text.split()), default=0.0)

    least = [max([word(c, bold)] + [word(r[i], font) for r in rows]) + PADDING
             for i, c in enumerate(columns)]
    whole = [max([stringWidth(c, bold, size)] + [stringWidth(r[i], font, size) for r in rows])
             + PADDING for i, c in enumerate(columns)]
    if sum(least) >= total:  # cannot be helped: shrink evenly, words may break
        return [w * total / sum(least) for w in least]
    if sum(whole) <= total:  # everything fits on one line: share the slack evenly
        return [w + (total - sum(whole)) / len(whole) for w in whole]
    want = [w - m for w, m in zip(whole, least, strict=True)]
    room = total - sum(least)
    return [m + room * x / sum(want) for m, x in zip(least, want, strict=True)]


class _NumberedCanvas(canvas.Canvas):
    """Draws "page N of M" on every page: pages are kept until the last is known."""

    words = "{n} / {of}"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        for n, page in enumerate(self._pages, 1):
            self.__dict__.update(page)
            self.setFont("Helvetica", 8)
            self.setFillColor(colors.grey)
            self.drawRightString(A4[0] - 15 * mm, 8 * mm,
                                 self.words.format(n=n, of=len(self._pages)))
            super().showPage()
        super().save()


def _table(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...], cell: ParagraphStyle,
           width: float) -> Table:
    data = [[Paragraph(f"<b>{escape(c)}</b>", cell) for c in columns]]
    data += [[Paragraph(escape(v), cell) for v in r] for r in rows]
    widths = column_widths(columns, rows, cell.fontName, cell.fontSize, width)
    table = Table(data, repeatRows=1, colWidths=widths)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f8")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9d6e3")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def pdf_bytes(m: Model, chart: bytes) -> bytes:
    """The first page says how the week went (key figures, the trend); the details follow
    from page 2; every page is numbered."""
    styles = getSampleStyleSheet()
    h1 = ParagraphStyle("h1", parent=styles["Heading1"], fontSize=17, spaceAfter=2)
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], fontSize=12, textColor=BLUE,
                        spaceBefore=10, spaceAfter=4)
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=9.5, leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=8, textColor=colors.grey)
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=10)
    key = ParagraphStyle("key", parent=body, fontSize=10.5, leading=13)
    note = ParagraphStyle("note", parent=body, backColor=colors.HexColor("#fff8e1"),
                          borderPadding=4, spaceBefore=4, spaceAfter=6)
    record = ParagraphStyle("record", parent=body, fontSize=9, leading=11.5, leftIndent=6)
    step = ParagraphStyle("step", parent=record, fontSize=8.5, leftIndent=16,
                          bulletIndent=8)
    story: list = [Paragraph(escape(m.facility), small), Paragraph(escape(m.title), h1),
                   Paragraph(escape(m.period), small), Spacer(1, 4 * mm),
                   Paragraph(f"<b>{escape(m.total)}</b>", body)]
    story += [Paragraph(escape(n), note) for n in m.notes]
    width = A4[0] - 30 * mm
    for n, s in enumerate((*m.front, *m.sections)):
        if n == len(m.front):
            story.append(PageBreak())
        story.append(Paragraph(escape(s.title), h2))
        if s.chart:
            story.append(Image(io.BytesIO(chart), width=width, height=width * 2.4 / 7.0))
        elif s.columns and s.rows:
            story.append(_table(s.columns, s.rows, key if n < len(m.front) else cell, width))
        elif s.records or s.text:
            for r in s.records:
                parts = [Paragraph(f"<b>{escape(r.heading)}</b>", record)]
                parts += [Paragraph(escape(line), record) for line in r.lines]
                parts += [Paragraph(escape(x), step, bulletText="•") for x in r.steps]
                story.append(KeepTogether(parts) if len(parts) < 30 else parts[0])
                if len(parts) >= 30:
                    story += parts[1:]
                story.append(Spacer(1, 3 * mm))
            story += [Paragraph(escape(text), body) for text in s.text]
        else:
            story.append(Paragraph(escape(s.empty), body))
    story += [Spacer(1, 6 * mm), Paragraph(escape(m.footer), small)]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=14 * mm, bottomMargin=16 * mm, title=m.title,
                            author=m.facility)
    numbered = type("Numbered", (_NumberedCanvas,), {"words": m.page_words})
    doc.build(story, canvasmaker=numbered)
    return out.getvalue()
