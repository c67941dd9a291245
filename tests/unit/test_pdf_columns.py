"""The weekly PDF's table columns are as wide as their longest word, at least."""

from __future__ import annotations

from reportlab.pdfbase.pdfmetrics import stringWidth

from escalator.reports.pdf import PADDING, column_widths

COLUMNS = ("Osapuoli", "Kutsuttu", "Kuittausaika (mediaani / 90 %)", "Ei vastannut",
           "Ohitettu (suljettu/poissa)")
ROWS = (("Security company fault hotline", "18", "10 min / 10 min", "3", "0"),
        ("Ward A nurse on duty", "7", "2 min / 4 min", "2", "0"))


def test_no_column_is_narrower_than_its_longest_word_and_all_fill_the_page():
    widths = column_widths(COLUMNS, ROWS, "Helvetica", 8, 500)
    assert abs(sum(widths) - 500) < 0.01
    for i, c in enumerate(COLUMNS):
        words = c.split() + [w for r in ROWS for w in r[i].split()]
        longest = max(stringWidth(w, "Helvetica-Bold", 8) for w in words)
        assert widths[i] >= longest + PADDING - 0.01, (c, widths[i], longest)


def test_a_wide_column_gets_more_room_than_a_count():
    widths = column_widths(COLUMNS, ROWS, "Helvetica", 8, 500)
    assert widths[2] > widths[1] and widths[0] > widths[3]


def test_too_narrow_a_page_shrinks_every_column_evenly():
    widths = column_widths(COLUMNS, ROWS, "Helvetica", 8, 100)
    assert abs(sum(widths) - 100) < 0.01 and all(w > 0 for w in widths)
