"""The weekly summary as a PDF (ReportLab), walking the same model as the HTML."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
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
            first = width * (0.3 if len(s.columns) > 3 else 1 / len(s.columns))
            rest = (width - first) / (len(s.columns) - 1)
            table = Table(data, repeatRows=1, colWidths=[first] + [rest] * (len(s.columns) - 1))
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
