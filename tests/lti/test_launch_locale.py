"""The platform's locale enters once, as BCP 47: Moodle's own language-pack names (`sr_lt`, `pt_br`, `mis` ...) and
garbage launch, open a lesson and grade a quiz without a 5xx, and every xAPI statement's language tag is valid."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from tincan import Context

from lti_tool.db import make_engine
from lti_tool.demo.platform import LEARNER, Member
from lti_tool.locale_tags import to_bcp47
from lti_tool.migrate import upgrade
from lti_tool.models import LtiDeployment, LtiLaunch, LtiPlatform, LtiUser, OutboxMessage, utcnow
from lti_tool.state import app_state
from tests.lti.test_flow import launch_as
from tests.lti.test_player import WRONG
from xapi import storage
from xapi.validation import check_language_tag

MOODLE_PACKS = [line.strip() for line in
                (Path(__file__).parents[1] / "fixtures" / "moodle_language_packs.txt").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
GARBAGE = ["x", "../", "a" * 300, "\x00", "sr_lt\n", "sr_lt\x00", "", "$Person.locale", "en US", "<script>",
           "sr_lt_" + "x" * 30, "١٢", "ßr_lt"]


def test_the_moodle_list_is_moodles():
    assert len(MOODLE_PACKS) > 200 and {"sr_lt", "sr_cr", "pt_br", "en_us", "zh_cn", "mk", "sq", "hr", "bs",
                                        "mis"} <= set(MOODLE_PACKS)


@pytest.mark.parametrize(("raw", "tag"), [
    ("sr_lt", "sr-Latn"), ("sr_cr", "sr-Cyrl"), ("pt_br", "pt-BR"), ("en_us", "en-US"), ("zh_cn", "zh-CN"),
    ("zh_tw_wp", "zh-TW"), ("mk", "mk"), ("sq", "sq"), ("hr", "hr"), ("bs", "bs"), ("mis", "sr-Latn-ME"),
    ("ug_lt", "ug-Latn"), ("mn_mong", "mn-Mong"), ("en_us_k12", "en-US"), ("de_du", "de"), ("en_ar", "en"),
    ("ca_valencia", "ca-valencia"), ("pan", "pa"), ("lt_uni", "lt"), ("lt-LT", "lt-LT"), ("es_419", "es-419"),
    ("sr-Latn-RS", "sr-Latn-RS"), ("mk_MK", "mk-MK"), ("cnr", "sr-Latn-ME"), ("sr_lt\n", "sr-Latn"),
])
def test_platform_locales_become_bcp47(raw, tag):
    assert to_bcp47(raw) == tag


@pytest.mark.parametrize("raw", [*(g for g in GARBAGE if g != "sr_lt\n"), None, 7, ["sr"], {"sr": 1}])
def test_what_is_no_locale_becomes_none(raw):
    assert to_bcp47(raw) is None


def test_every_moodle_pack_name_is_a_valid_language_tag():
    for pack in MOODLE_PACKS:
        tag = to_bcp47(pack)
        assert tag is not None, pack
        check_language_tag(tag, pack)  # xAPI's rule (raises on an invalid tag)
        Context(language=tag)  # tincan's rule, where the field defect was


def test_moodle_languages_and_garbage_launch_learn_and_grade(tool, platform):
    """Each of Moodle's pack names and each garbage locale: launch, open a lesson, submit a quiz, all over HTTP."""
    locales = MOODLE_PACKS + GARBAGE
    platform.state.members = [Member(f"u{i}", f"Learner {i}", f"u{i}@example.org", [LEARNER], locale)
                              for i, locale in enumerate(locales)]
    for i, locale in enumerate(locales):
        browser, outline = launch_as(platform, f"u{i}")
        assert outline.status_code == 200 and outline.url.startswith(tool.url + "/play/"), (locale, outline.text)
        lesson = browser.http.get(tool.url + "/play/lesson/m1-basics/m1-l1-definition", timeout=10)
        assert lesson.status_code == 200, (locale, lesson.text)
        result = browser.submit(browser.http.get(tool.url + "/play/quiz/m1-quiz", timeout=10), None, **WRONG)
        assert result.status_code == 200 and "quiz-result incorrect" in result.text, (locale, result.text)
    with app_state(tool.app).db.sessions() as session:
        stored = {sub: locale for sub, locale in session.execute(
            select(LtiUser.sub, LtiLaunch.locale).join(LtiUser, LtiUser.id == LtiLaunch.user_pk))}
        bodies = [json.loads(body) for body in session.scalars(select(storage.statement.c.body))]
        scores = session.scalars(select(OutboxMessage)).all()
    assert [stored[f"u{i}"] for i in range(len(locales))] == [to_bcp47(locale) for locale in locales]
    assert stored[f"u{locales.index('sr_lt')}"] == "sr-Latn" and stored[f"u{locales.index('x')}"] is None
    assert len(scores) == len(locales), "every quiz's score is queued for the platform's gradebook"
    languages = {body["context"].get("language") for body in bodies}
    assert {"sr-Latn", "sr-Cyrl", "pt-BR", "sr-Latn-ME"} <= languages
    for language in languages - {None}:
        check_language_tag(language, "context.language")


def test_the_launch_language_speaks_in_the_pages(tool, platform):
    platform.state.members = [Member("srpski", "Ana", "ana@example.org", [LEARNER], "sr_lt"),
                              Member("crnogorski", "Ivo", "ivo@example.org", [LEARNER], "mis")]
    _, outline = launch_as(platform, "srpski")
    assert '<html lang="sr-Latn"' in outline.text and "Vaš napredak" in outline.text
    _, outline = launch_as(platform, "crnogorski")
    assert '<html lang="sr-Latn-ME"' in outline.text


def test_launches_stored_before_the_fix_are_normalised_by_the_migration(tmp_path):
    """A learner mid-course when the tool is upgraded keeps working: stored Moodle names become BCP 47."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine, "tool_0006")  # the revision before the one that normalises locales
    with engine.begin() as connection:
        connection.execute(LtiPlatform.__table__.insert().values(
            id=1, issuer="https://moodle.example", client_id="c", name="", auth_login_url="a", auth_token_url="t",
            registered_by="manual", created_at=utcnow()))
        connection.execute(LtiDeployment.__table__.insert().values(id=1, platform_id=1, deployment_id="1"))
        connection.execute(LtiUser.__table__.insert().values(id=1, platform_id=1, sub="u"))
        for number, locale in enumerate(["sr_lt", "pt_br", "x", "sr-Latn", None]):
            connection.execute(LtiLaunch.__table__.insert().values(
                id=f"launch-{number}", platform_id=1, deployment_pk=1, user_pk=1, message_type="LtiResourceLinkRequest",
                roles=[], locale=locale, created_at=utcnow()))
    upgrade(engine)
    with engine.connect() as connection:
        locales = connection.execute(select(LtiLaunch.__table__.c.locale).order_by(LtiLaunch.__table__.c.id)).scalars()
        assert list(locales) == ["sr-Latn", "pt-BR", None, "sr-Latn", None]
    engine.dispose()
