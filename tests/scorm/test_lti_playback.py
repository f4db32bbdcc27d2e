"""A SCORM package imported through the CLI, launched over LTI from a real platform (lti1p3platform), played in
Chromium with scorm-again backed by the tool: the score arrives as xAPI statements in the embedded LRS and at
the platform's AGS endpoint; a suspended SCO resumes; a finished one reopens for review, a new attempt on request."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from lti_tool.lti.services import drain_scores
from lti_tool.state import app_state
from scorm.models import ScormAttempt, ScormPackage
from tests.lti.conftest import platform, tool  # noqa: F401 - the real tool and platform servers
from scorm.export import write_zip
from tests.scorm.conftest import MircoRunner, items_of
from tests.scorm.factories import export_files, export_zip, sequenced_package
from tests.scorm.learner import ScriptedLearner
from xapi.service import statements_by_registration

pytestmark = [
    pytest.mark.browser,
    # werkzeug's development server leaves a file response open when the browser drops the connection
    # (the frame moves on to the next SCO mid-download); gunicorn closes it. Not our code's leak.
    pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"),
    pytest.mark.filterwarnings("ignore:Exception ignored in:pytest.PytestUnraisableExceptionWarning"),
]
V = "http://adlnet.gov/expapi/verbs/"


def launch(browser, lms, link: str, user: str = "learner-1"):  # type: ignore[no-untyped-def]
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{lms.url}/start/resource/{user}?link={link}")
    page.wait_for_url(re.compile(r".*/scorm/play\?"))
    return page, errors


def until(found, tries: int = 100):  # type: ignore[no-untyped-def]
    """Poll `found()` until it returns something truthy (what the browser sends by beacon lands a bit later)."""
    for _ in range(tries):
        value = found()
        if value:
            return value
        time.sleep(0.1)
    return found()


def attempts(app) -> list[ScormAttempt]:  # type: ignore[no-untyped-def]
    with app_state(app).db.sessions() as session:
        return list(session.scalars(select(ScormAttempt).order_by(ScormAttempt.id)))


def verbs_of(app, registration: str) -> list[str]:  # type: ignore[no-untyped-def]
    with app_state(app).db.sessions() as session:
        found = statements_by_registration(session, registration)
    return [s["verb"]["id"].removeprefix(V) for s in sorted(found, key=lambda s: s["stored"])], found


def link_imported(tool, platform, package_zip: Path, link: str, title: str) -> str:  # type: ignore[no-untyped-def]
    """`mirco packages import` the zip, then give the platform a resource link that opens it; the package id."""
    imported = MircoRunner(tool.app).invoke(["packages", "import", str(package_zip)])
    assert imported.exit_code == 0, imported.output
    with app_state(tool.app).db.sessions() as session:
        package_id = session.scalars(select(ScormPackage.id)).one()
    platform.state.links[link] = {"title": title, "custom": {"course": f"pkg:{package_id}"}, "lineitem": None}
    return package_id


def play_module_quiz(page, course, sco=None) -> None:  # type: ignore[no-untyped-def]
    """The scripted learner reads the first module's lessons, passes its quiz with q5 and q6 wrong, and exits
    (in the player's frame, or in `sco`)."""
    learner = ScriptedLearner(sco or page.frame_locator("#sco-frame"))
    learner.wait_ready()
    learner.read_lessons(len(course.modules[0].lessons))
    learner.answer(course.modules[0].quiz, wrong=frozenset({"q5", "q6"}))
    learner.exit()


def test_imported_package_played_over_lti(browser, scorm_again, tool, platform, mini_course, tmp_path):  # noqa: F811
    package_id = link_imported(tool, platform, export_zip(mini_course, "scorm12", tmp_path / "p.zip"), "link-pkg",
                               "Imported package")
    page, errors = launch(browser, platform, "link-pkg")
    play_module_quiz(page, mini_course)
    (first,) = until(lambda: [a for a in attempts(tool.app) if a.finished])  # the terminate commit is a beacon
    assert (first.completion, first.success, first.score_scaled) == ("completed", "passed", 0.6667)
    assert first.finished and first.total_seconds >= 0

    verbs, statements = verbs_of(tool.app, first.registration)
    assert verbs[0] == "initialized" and verbs[-1] == "terminated"
    assert verbs.count("answered") == 6 and "completed" in verbs and "passed" in verbs
    passed = next(s for s in statements if s["verb"]["id"] == V + "passed")
    assert passed["result"]["score"]["scaled"] == 0.6667 and passed["result"]["success"] is True
    assert passed["actor"]["account"] == {"homePage": platform.url, "name": "learner-1"}
    assert passed["object"]["id"].endswith(f"/pkg-{package_id}/ITEM-sco-m1-basics")

    # the grade changed twice: 0 and Pending while the SCO was incomplete, then the quiz's score once passed
    assert drain_scores(tool.app) == 2 and len(platform.state.scores) == 2
    score = platform.state.scores[-1]
    assert score["userId"] == "learner-1" and score["scoreGiven"] == 66.67 and score["scoreMaximum"] == 100
    assert score["gradingProgress"] == "FullyGraded" and score["activityProgress"] == "InProgress"

    # The final assessment, failed and left suspended, resumes where it was; the finished module SCO starts
    # a second attempt when opened again.
    page.locator("button[data-sco]", has_text="Final assessment").click()
    final = ScriptedLearner(page.frame_locator("#sco-frame"))
    final.wait_ready()
    final.answer(mini_course.final_assessment, wrong=frozenset({"f1"}))
    final.exit()
    until(lambda: [a for a in attempts(tool.app) if a.suspended])  # LMSFinish reached the runtime (postMessage)
    page.close()
    page, errors2 = launch(browser, platform, "link-pkg")
    page.locator("button[data-sco]", has_text="Final assessment").click()
    frame = page.frame_locator("#sco-frame")
    ScriptedLearner(frame).wait_ready()
    assert "0%" in frame.locator("form.quiz .result").inner_text()  # resumed from suspend_data
    page.locator("button[data-sco]", has_text="Who is a refugee?").click()
    ScriptedLearner(page.frame_locator("#sco-frame")).wait_ready()
    status = page.locator("#scorm-status")  # the passed module reopens for review; a new attempt on request
    assert "opens for review" in status.inner_text()
    status.get_by_role("button", name="Start a new attempt").click()
    ScriptedLearner(page.frame_locator("#sco-frame")).wait_ready()
    until(lambda: len(attempts(tool.app)) == 3)
    page.close()
    rows = attempts(tool.app)
    by_sco = {}
    for row in rows:
        by_sco.setdefault(row.sco_id, []).append(row)
    numbers = sorted((len(v), [a.number for a in v], [a.sessions for a in v]) for v in by_sco.values())
    # final: one attempt, two sessions; module: attempt 1 (finished, reviewed without a session of its own),
    # attempt 2 started when the learner asked for it
    assert numbers == [(1, [1], [2]), (2, [1, 2], [1, 1])]
    assert errors == [] and errors2 == []


def test_sequenced_2004_package_navigates_by_its_rules_and_grades_by_rollup(browser, scorm_again, tool,  # noqa: F811
                                                                            platform, tmp_path):
    """Flow-only control, a prerequisite that disables the next SCO, and the SCO's own adl.nav.request."""
    from playwright.sync_api import expect

    link_imported(tool, platform, sequenced_package(tmp_path / "s.zip"), "link-seq", "Sequenced")
    page, errors = launch(browser, platform, "link-seq")
    frame = page.frame_locator("#sco-frame")
    assert frame.locator("h1").inner_text() == "S1"
    assert page.locator("button[data-sco]").evaluate_all("bs => bs.map(b => b.disabled)") == [True, True, True]
    frame.locator("#fail").click()
    until(lambda: [a for a in attempts(tool.app) if a.finished])
    page.locator("button[data-nav=continue]").click()
    expect(page.locator("#scorm-status")).to_contain_text("not available")
    page.close()

    page, errors2 = launch(browser, platform, "link-seq")  # a new launch reviews the failed prerequisite
    frame = page.frame_locator("#sco-frame")
    assert frame.locator("h1").inner_text() == "S1"
    page.locator("#scorm-status").get_by_role("button", name="Start a new attempt").click()  # the learner asks
    frame = page.frame_locator("#sco-frame")
    assert frame.locator("h1").inner_text() == "S1"
    frame.locator("#pass").click()  # passes and asks the LMS to continue (adl.nav.request)
    expect(page.frame_locator("#sco-frame").locator("h1")).to_have_text("S2")
    page.frame_locator("#sco-frame").locator("#pass").click()
    expect(page.frame_locator("#sco-frame").locator("h1")).to_have_text("S3")
    page.frame_locator("#sco-frame").locator("#pass").click()
    expect(page.locator("#scorm-status")).to_contain_text("end of this activity")
    page.close()
    assert errors == [] and errors2 == []
    # one grade per SCO result: S1 failed (first launch), then S1, S2 and S3 passed
    assert drain_scores(tool.app) == 4 and len(platform.state.scores) == 4
    score = platform.state.scores[-1]
    assert score["scoreGiven"] == 80.0 and score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"


def test_a_sco_chooses_another_sco_by_its_identifier(browser, scorm_again, tool, platform, tmp_path):  # noqa: F811
    """The SCO sets adl.nav.request `{target=S3}choice` and terminates: the player posts it as it is, the tool
    finds S3 and its sequencing (choice=true, no precondition on S3) delivers it into the frame."""
    from playwright.sync_api import expect

    package_id = link_imported(tool, platform, sequenced_package(tmp_path / "s.zip", choice=True), "link-choose",
                               "Choose")
    page, errors = launch(browser, platform, "link-choose")
    frame = page.frame_locator("#sco-frame")
    expect(frame.locator("h1")).to_have_text("S1")
    frame.locator("#choose").click()
    expect(page.frame_locator("#sco-frame").locator("h1")).to_have_text("S3")
    expect(page.locator("button[data-sco][aria-current=true]")).to_have_text("One attempt only")
    expect(page.locator("#scorm-status")).to_have_text("")
    page.close()
    names = {pk: identifier for identifier, pk in items_of(tool.app, package_id).items()}
    opened = until(lambda: (lambda found: found if found.get("S1") else None)(
        {names[a.sco_id]: a.finished for a in attempts(tool.app)}))  # S1's terminating commit is a beacon
    assert opened == {"S1": True, "S3": False} and errors == []


def own_window_cmi5(course, target: Path) -> Path:  # type: ignore[no-untyped-def]
    """Our cmi5 export with every AU declared launchMethod="OwnWindow"."""
    files = export_files(course, "cmi5")
    files["cmi5.xml"] = files["cmi5.xml"].replace(b'launchMethod="AnyWindow"', b'launchMethod="OwnWindow"')
    write_zip(files, target)
    return target


def test_cmi5_au_in_its_own_window_returns_the_learner_to_the_player(browser, tool, platform, mini_course,  # noqa: F811
                                                                      tmp_path):
    """launchMethod OwnWindow: the player offers a button instead of framing the AU; the click launches the AU in a
    window of its own, and on Exit its returnURL (LMS.LaunchData) brings that window back to the player, whose
    load reads the statements back (moveOn met, `satisfied`, the grade) and launches nothing by itself."""
    from playwright.sync_api import expect

    link_imported(tool, platform, own_window_cmi5(mini_course, tmp_path / "o.zip"), "link-own", "Own window")
    page, errors = launch(browser, platform, "link-own")
    offered = page.locator("#scorm-status button")
    expect(offered).to_have_text("Open this activity (it runs in its own window)")
    assert attempts(tool.app) == []  # nothing launched before the click
    assert page.locator("#sco-frame").get_attribute("src") == "about:blank"
    with page.expect_popup() as opened:
        offered.click()
    window = opened.value
    window.on("pageerror", lambda exc: errors.append(str(exc)))
    learner = ScriptedLearner(window)
    learner.wait_ready()
    learner.read_lessons(len(mini_course.modules[0].lessons))
    learner.answer(mini_course.modules[0].quiz, wrong=frozenset({"q5", "q6"}))
    window.locator("#exit").click()
    window.wait_for_url(re.compile(r".*/scorm/play\?launch="))  # the returnURL: the player again
    expect(window.locator("h1")).to_have_text(mini_course.title.get())
    done = until(lambda: [a for a in attempts(tool.app) if a.finished])  # read back when the player loaded
    assert [(a.completion, a.success, a.score_scaled) for a in done] == [("completed", "passed", 0.6667)]
    expect(window.locator("#scorm-status button")).to_have_text("Open this activity (it runs in its own window)")
    verbs = [v.rsplit("/", 1)[-1] for v in verbs_of(tool.app, done[0].registration)[0]]
    assert verbs.count("terminated") == 1 and verbs.index("terminated") < verbs.index("satisfied")
    assert verbs.count("launched") == 1  # coming back through returnURL launched no second session
    window.close()
    page.close()
    assert drain_scores(tool.app) == 1 and platform.state.scores[-1]["scoreGiven"] == 33.34
    assert errors == []


def mini_course_block(course) -> str:  # type: ignore[no-untyped-def]
    return f"https://mirco.example.org/xapi/activities/{course.id}/{course.modules[0].id}"


def test_cmi5_package_launched_over_lti_like_a_cmi5_lms(browser, tool, platform, mini_course, tmp_path):  # noqa: F811
    """Our cmi5 export, imported through the CLI, played from an LTI launch: the AU fetches its token, reads
    LMS.LaunchData, sends its statements to the embedded LRS; moveOn met -> `satisfied` and the AGS grade."""
    link_imported(tool, platform, export_zip(mini_course, "cmi5", tmp_path / "c.zip"), "link-cmi5", "cmi5")
    page, errors = launch(browser, platform, "link-cmi5")
    play_module_quiz(page, mini_course)
    (attempt,) = attempts(tool.app)
    verbs = until(lambda: (lambda v: v if v and v[-1] == "terminated" else None)(
        verbs_of(tool.app, attempt.registration)[0]))
    page.close()  # pagehide: the player asks the tool to read the statements back (beacon)
    done = until(lambda: [a for a in attempts(tool.app) if a.finished])
    assert done and (done[0].completion, done[0].success, done[0].score_scaled) == ("completed", "passed", 0.6667)
    verbs, statements = verbs_of(tool.app, attempt.registration)
    cmi5 = [v.rsplit("/", 1)[-1] for v, s in zip(verbs, statements) if any(
        c["id"] == "https://w3id.org/xapi/cmi5/context/categories/cmi5"
        for c in s["context"].get("contextActivities", {}).get("category", []))]
    assert cmi5[:5] == ["launched", "initialized", "completed", "passed", "terminated"], verbs
    assert cmi5[5:] == ["satisfied"]  # the module's block; the course needs the final assessment too
    block = statements[verbs.index(next(v for v in verbs if v.endswith("satisfied")))]
    assert block["object"]["id"] == mini_course_block(mini_course)
    assert statements[0]["actor"]["account"] == {"homePage": platform.url, "name": "learner-1"}
    assert drain_scores(tool.app) == 1 and len(platform.state.scores) == 1  # the sync that found moveOn met
    score = platform.state.scores[-1]
    assert score["scoreGiven"] == 33.34 and score["gradingProgress"] == "Pending"  # one AU of two met moveOn
    assert errors == []
