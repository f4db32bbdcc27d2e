"""Rustici's "Golf Explained" run-time examples (tests/scorm/golf), imported with `mirco packages import`, launched
over LTI from a real platform and played in Chromium as a learner would: the run-time data the SCO reads at
Initialize (objectives from the manifest, entry, credit, learner, mastery, accumulated total time) and what it
writes, with no SCORM error on the way (the SCOs alert on every failed call)."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.lti.conftest import platform  # noqa: F401 - the real platform, registered with `tool`
from tests.scorm.test_browser_content_origin import tool  # noqa: F401 - nested frames need the content origin
from tests.scorm.test_lti_playback import attempts, launch, link_imported, until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"),
    pytest.mark.filterwarnings("ignore:Exception ignored in:pytest.PytestUnraisableExceptionWarning"),
]
GOLF = Path(__file__).parent / "golf"
ADVANCED_2004 = "RunTimeAdvancedCalls_SCORM20043rdEdition"
BASIC_12 = "RuntimeBasicCalls_SCORM12"


def golf_zip(name: str, target: Path) -> Path:
    """The example folder zipped as its authors ship it (the manifest at the root)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((GOLF / name).rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(GOLF / name).as_posix())
    return target


def watch_alerts(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Every alert the SCO raises: a dialog (failing the test), or, since the sandbox has no allow-modals, the
    console's "Ignored call to 'alert()'" that Chromium logs instead."""
    raised: list[str] = []

    def dialog(d) -> None:  # type: ignore[no-untyped-def]
        if d.type == "alert":
            raised.append(d.message)
        d.dismiss()
    page.on("dialog", dialog)
    page.on("console", lambda m: raised.append(m.text) if "alert(" in m.text else None)
    return raised


def frames(page):  # type: ignore[no-untyped-def]
    """The player's frame (on the content origin: the page holding the run-time API) and the SCO inside it."""
    api = page.frame_locator("#sco-frame")
    return api, api.frame_locator("iframe")


def read(frame, version: str, elements: list[str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """What the SCO reads through the API it finds (the bridge's answers)."""
    getter = "LMSGetValue" if version == "scorm12" else "GetValue"
    api = "API" if version == "scorm12" else "API_1484_11"
    return frame.locator("html").evaluate(
        f"(html, names) => Object.fromEntries(names.map(n => [n, window.{api}.{getter}(n)]))", elements)


def test_advanced_calls_2004_objectives_resume_and_total_time(browser, scorm_again, tool, platform,  # noqa: F811
                                                               tmp_path):
    link_imported(tool, platform, golf_zip(ADVANCED_2004, tmp_path / "golf.zip"), "link-golf", "Golf")
    page, errors = launch(browser, platform, "link-golf")
    alerts = watch_alerts(page)
    api, sco = frames(page)
    sco.locator("#butNext").wait_for()
    first = read(api, "scorm2004", [
        "cmi.objectives._count", "cmi.objectives.0.id", "cmi.objectives.1.id", "cmi.entry", "cmi.credit",
        "cmi.mode", "cmi.learner_id", "cmi.learner_name", "cmi.scaled_passing_score", "cmi.total_time",
        "cmi.learner_preference.audio_level"])
    assert first == {
        "cmi.objectives._count": "5", "cmi.objectives.0.id": "PRIMARYOBJ", "cmi.objectives.1.id": "obj_etiquette",
        "cmi.entry": "ab-initio", "cmi.credit": "credit", "cmi.mode": "normal", "cmi.learner_id": "learner-1",
        "cmi.learner_name": "Ana Learner", "cmi.scaled_passing_score": "0.8", "cmi.total_time": "PT0H0M0S",
        "cmi.learner_preference.audio_level": "1"}
    for _ in range(3):
        sco.locator("#butNext").click()
    page.wait_for_timeout(1500)  # some time in this first session
    page.goto("about:blank")  # the learner leaves: the player suspends the session (pagehide)
    page.close()
    (suspended,) = until(lambda: [a for a in attempts(tool.app) if a.suspended])
    assert suspended.total_seconds > 1 and suspended.cmi["location"] == "3"

    page, errors2 = launch(browser, platform, "link-golf")
    alerts += watch_alerts(page)
    api, sco = frames(page)
    sco.locator("#butNext").wait_for()
    again = read(api, "scorm2004", ["cmi.entry", "cmi.total_time", "cmi.location", "cmi.objectives._count",
                                    "cmi.objectives.4.id", "cmi.progress_measure"])
    assert again["cmi.entry"] == "resume"  # (its location is the SCO's again: the sandbox said no to "resume?")
    assert again["cmi.total_time"] != "PT0H0M0S" and again["cmi.objectives._count"] == "5"
    assert again["cmi.objectives.4.id"] == "obj_playing" and float(again["cmi.progress_measure"]) == 0.27
    for _ in range(14):  # to the assessment (the sandbox answers the SCO's "resume?" confirm with no: page 1)
        sco.locator("#butNext").click()
    test = sco.frame_locator("#contentFrame")
    test.locator("input[value='Submit Answers']").click()
    sco.locator("#butExit").click()
    (done,) = until(lambda: [a for a in attempts(tool.app) if a.finished])
    page.close()
    scored = {o["id"]: o.get("score", {}).get("max") for o in done.cmi["objectives"].values()}
    assert set(scored) == {"PRIMARYOBJ", "obj_etiquette", "obj_handicapping", "obj_havingfun", "obj_playing"}
    assert all(scored[o] not in (None, "") for o in scored if o != "PRIMARYOBJ")  # a score per objective
    assert done.completion == "completed" and done.success == "failed" and done.sessions == 2
    assert len(done.cmi["interactions"]) > 10
    assert done.total_seconds > suspended.total_seconds
    assert alerts == [] and errors == [] and errors2 == []
    print("golf 2004 figures:", first["cmi.objectives._count"], again, done.total_seconds,
          len(done.cmi["interactions"]))


def test_basic_calls_12_credit_student_name_entry(browser, scorm_again, tool, platform, tmp_path):  # noqa: F811
    link_imported(tool, platform, golf_zip(BASIC_12, tmp_path / "golf12.zip"), "link-golf12", "Golf 1.2")
    page, errors = launch(browser, platform, "link-golf12")
    alerts = watch_alerts(page)
    api, sco = frames(page)
    sco.locator("#butNext").wait_for()
    found = read(api, "scorm12", ["cmi.core.credit", "cmi.core.student_name", "cmi.core.student_id",
                                  "cmi.core.entry", "cmi.core.lesson_mode", "cmi.core.total_time",
                                  "cmi.student_preference.audio"])
    assert found == {"cmi.core.credit": "credit", "cmi.core.student_name": "Ana Learner",
                     "cmi.core.student_id": "learner-1", "cmi.core.entry": "ab-initio",
                     "cmi.core.lesson_mode": "normal", "cmi.core.total_time": "00:00:00",
                     "cmi.student_preference.audio": "0"}
    page.close()
    assert alerts == [] and errors == []
    print("golf 1.2 figures:", found)
