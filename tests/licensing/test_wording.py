"""Notices are worded in one place: a builder per NoticeKind, both languages, and the facts they state."""

import datetime as dt

import pytest

from licensing import workflow
from licensing.constants import NoticeKind, PauseKind
from licensing.notices import Wording, notice_builders
from tests.licensing.conftest import at, recommend


def test_every_notice_kind_has_exactly_one_builder():
    assert sorted(notice_builders.kinds()) == sorted(NoticeKind.values)


def test_a_kind_gets_one_builder_and_must_be_a_notice_kind():
    with pytest.raises(ValueError, match="already has a builder"):
        notice_builders.register(NoticeKind.GRANT, title_en="x")(lambda application: Wording([], []))
    with pytest.raises(ValueError, match="not a NoticeKind"):
        notice_builders.register("love_letter", title_en="x")(lambda application: Wording([], []))


@pytest.mark.django_db
def test_a_case_s_notices_are_worded_by_their_builders(file_application, officers):
    # Filed Friday 2025-09-26; the National Day holiday (1–8 Oct) lies between the acts.
    app = file_application(on=dt.date(2025, 9, 26))
    with at(dt.date(2025, 9, 29)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    with at(dt.date(2025, 10, 9)):
        workflow.application_claim(application=app, actor=officers["reviewer"].user)
        workflow.application_pause(application=app, actor=officers["reviewer"].user, kind=PauseKind.EXPERT_REVIEW,
                                   expected_days=3, reason="需专家论证屏障环境")
    with at(dt.date(2025, 10, 13)):
        workflow.application_resume(application=app, actor=officers["reviewer"].user, result="专家论证通过")
    notices = {n.kind: n.content for n in app.notices.all()}
    assert list(notices) == [NoticeKind.RECEIPT, NoticeKind.ACCEPTANCE, NoticeKind.PAUSE, NoticeKind.RESUME]

    assert notices["receipt"]["title_en"] == "Receipt of application"
    assert "2025年09月26日" in notices["receipt"]["lines_zh"][0]
    assert app.case_number in notices["receipt"]["lines_en"][0]

    # Three working days from Thursday 9 October: Friday 10, Saturday 11 (a make-up working day after the
    # National Day holiday) and Monday 13 October.
    assert notices["pause"]["facts"]["expected_end"] == "2025-10-13"
    assert "专家评审" in notices["pause"]["lines_zh"][0]
    assert "(expert review)" in notices["pause"]["lines_en"][0]
    assert "2025年10月13日结束，结果：专家论证通过" in notices["resume"]["lines_zh"][0]


@pytest.mark.django_db
def test_the_zh_text_stays_chinese_when_the_officer_works_in_english(file_application, officers):
    from django.utils import translation

    app = file_application(on=dt.date(2025, 9, 26))
    with at(dt.date(2025, 9, 29)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        workflow.application_claim(application=app, actor=officers["reviewer"].user)
        with translation.override("en"):
            workflow.application_pause(application=app, actor=officers["reviewer"].user, kind=PauseKind.SITE_INSPECTION,
                                       expected_days=2, reason="现场核查")
    content = app.notices.get(kind=NoticeKind.PAUSE).content
    assert "需进行现场核查" in content["lines_zh"][0]
    assert "(site inspection)" in content["lines_en"][0]


@pytest.mark.django_db
def test_a_refusal_states_the_remedies_in_both_languages(file_application, officers):
    app = file_application(on=dt.date(2025, 9, 26))
    with at(dt.date(2025, 9, 29)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        workflow.application_claim(application=app, actor=officers["reviewer"].user)
        recommend(app, officers["reviewer"])
        workflow.application_propose_refusal(application=app, actor=officers["approver"].user,
                                             reasons="屏障环境检测不合格", legal_basis="《实验动物管理条例》第十条")
        workflow.application_confirm_refusal(application=app, actor=officers["legal"].user, opinion="同意")
    content = app.notices.get(kind=NoticeKind.REFUSAL).content
    assert "行政复议" in content["lines_zh"][-1] and "reconsideration" in content["lines_en"][-1]
    assert content["facts"] == {"reasons": "屏障环境检测不合格", "legal_basis": "《实验动物管理条例》第十条"}
