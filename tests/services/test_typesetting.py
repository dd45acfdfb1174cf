"""Chinese line breaking shared by every generated PDF: no closing punctuation at the start of a line,
no opening punctuation at its end, Latin words whole; the flowable and the case-review PDF use it."""

import pytest
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.styles import ParagraphStyle

from django.conf import settings

from services.fonts import register_cjk_font
from services.typesetting import NO_LINE_END, NO_LINE_START, TextBlock, break_lines, segments
from tests.pdflines import drawn_lines, punctuation_faults

# The complaint's strings: a closing bracket followed by a closing quote, and a comma, right where a
# naive break (one character per break opportunity) puts them at the start of the next line.
COMPLAINT = ("你单位提交的《实验动物生产许可证申请表》（以下简称“申请表”）”所列设施地址与环境检测报告不一致，"
             "请于收到本通知之日起十五个工作日内补正（逾期视为撤回申请），如有疑问，请联系承办人员……谢谢——特此通知。")


@pytest.fixture(scope="module")
def font():
    return register_cjk_font(settings.TONGBAN_CJK_FONT)


def test_closing_punctuation_never_starts_and_opening_never_ends_a_line_at_any_width(font):
    for width in range(40, 420, 3):
        lines = break_lines(COMPLAINT, font=font, size=12, width=width)
        assert "".join(lines) == COMPLAINT, width  # nothing lost, nothing added
        assert punctuation_faults(lines) == [], width
        assert all(line[0] not in NO_LINE_START for line in lines[1:])


def test_the_complaints_break_points_keep_the_bracket_with_its_quote_and_the_comma_with_its_word(font):
    pieces = segments("称“申请表”）”所列，请")
    assert "表”）”" in pieces  # ）” stays on the line of what it closes
    assert "列，" in pieces
    assert "“申" in pieces  # “ stays on the line of what it opens
    # Where the line is full just before ”）”, the previous character comes down with them (ten
    # characters fit: without the rule the second line would start with ”）”).
    full = break_lines("一二三四五六七八九十”）”", font=font, size=12, width=12 * 10.5)
    assert full == ["一二三四五六七八九", "十”）”"]
    comma = break_lines("一二三四五六七八九十，十一", font=font, size=12, width=12 * 10.5)
    assert comma == ["一二三四五六七八九", "十，十一"]


def test_latin_words_numbers_and_apostrophes_are_not_cut(font):
    text = "Issued by Exit and Entry Administration Bureau. Date of issue: 1 March 2026. Don’t “quote” me."
    lines = break_lines(text, font=font, size=8, width=110)
    assert len(lines) > 2
    words = text.split()
    assert [w for line in lines for w in line.split()] == words
    assert punctuation_faults(lines) == []


def test_a_code_longer_than_the_line_is_cut_and_explicit_newlines_are_kept(font):
    code = "1.2.156.3005.2.11100000MB0C1749XT004.11530000015094431X.202600000001.1.X"
    lines = break_lines(f"标识：{code}\n第二段", font=font, size=10, width=120)
    assert "".join(lines[:-1]).replace("标识：", "") == code
    assert lines[-1] == "第二段"


def test_the_flowable_draws_the_same_lines_and_justifies_chinese(font):
    from io import BytesIO

    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    style = ParagraphStyle("body", fontName=font, fontSize=12, leading=20, firstLineIndent=24,
                           alignment=TA_JUSTIFY)
    out = BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build([TextBlock(COMPLAINT * 3, style)])
    drawn = [line.text for line in drawn_lines(out.getvalue())]
    assert "".join(drawn) == COMPLAINT * 3
    assert len(drawn) > 5 and punctuation_faults(drawn) == []


def test_the_case_review_pdf_breaks_its_cells_by_the_same_rules(font):
    from supervision.constants import CHECKS
    from supervision.exports import review_pdf

    detail = {"start": "2025-01-01", "end": "2025-12-31", "algorithm": "tongban-draw-v1", "seed_commitment": "ab" * 32,
              "seed": "cd" * 32, "cases_input": [1, 2], "sample": [1],
              "files": [{"case_number": "YN-KJT-2025-000001", "checks": {c: {"passed": False} for c in CHECKS},
                         "score": 80, "grade": None, "comment": ""}]}
    for language in ("zh-hans", "en"):
        drawn = [line.text for line in drawn_lines(review_pdf(detail, language=language))]
        assert punctuation_faults(drawn) == [], language
    zh = [line.text for line in drawn_lines(review_pdf(detail, language="zh-hans"))]
    # The column headers (受理及时（5个工作日内）…) wrap inside their cells: no line of a header starts
    # with the closing bracket.
    assert any(line.endswith("）") for line in zh) and not any(line.startswith("）") for line in zh)


def test_the_rule_sets_hold_the_brief_s_marks():
    assert set("）」』】〕〉》”’，。、；：？！…—") <= NO_LINE_START
    assert set("（「『【〔〈《“‘") <= NO_LINE_END
