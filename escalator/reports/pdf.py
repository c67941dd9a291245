"""The weekly summary as a PDF (ReportLab), walking the same model as the HTML."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Image,
    Paragraph,
    Preformatted,
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


def pdf_bytes(m: Model, chart: bytes) -> bytes:
    styles = getSampleStyleSheet()
    h1 = ParagraphStyle("h1", parent=styles["Heading1"], fontSize=17, spaceAfter=2)
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], fontSize=12, textColor=BLUE,
                        spaceBefore=10, spaceAfter=4)
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=9.5, leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=8, textColor=colors.grey)
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=10)
    pre = ParagraphStyle("pre", parent=styles["Code"], fontSize=7.5, leading=9.5,
                         backColor=colors.HexColor("#fff6f5"), borderPadding=4)
    story: list = [Paragraph(escape(m.facility), small), Paragraph(escape(m.title), h1),
                   Paragraph(escape(m.period), small), Spacer(1, 4 * mm),
                   Paragraph(f"<b>{escape(m.total)}</b>", body)]
    width = A4[0] - 30 * mm
    for s in m.sections:
        story.append(Paragraph(escape(s.title), h2))
        if s.chart:
            story.append(Image(io.BytesIO(chart), width=width, height=width * 2.4 / 7.0))
        elif s.columns and s.rows:
            data = [[Paragraph(f"<b>{escape(c)}</b>", cell) for c in s.columns]]
            data += [[Paragraph(escape(v), cell) for v in r] for r in s.rows]
            widths = column_widths(s.columns, s.rows, cell.fontName, cell.fontSize, width)
            table = Table(data, repeatRows=1, colWidths=widths)
            table.setStyle(TableStyle([
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f8")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9d6e3")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]))
            story.append(table)
        elif s.text:
            for text in s.text:
                story.append(Preformatted(text, pre, maxLineLength=108, newLineChars="      ")
                             if s.pre else Paragraph(escape(text), body))
                story.append(Spacer(1, 2 * mm))
        else:
            story.append(Paragraph(escape(s.empty), body))
    story += [Spacer(1, 6 * mm), Paragraph(escape(m.footer), small)]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=14 * mm, bottomMargin=14 * mm, title=m.title,
                            author=m.facility)
    doc.build(story)
    return out.getvalue()
