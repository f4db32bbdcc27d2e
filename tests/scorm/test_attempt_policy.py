"""The attempt policy of imported packages over real HTTP, against a platform that records the scores it gets:
a passed SCO or cmi5 AU reopens for review and its grade stays; a new attempt only when the learner asks; the
grade follows the link's `grading` custom parameter (best by default)."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from lti_tool.lti.services import drain_scores
from tests.lti.conftest import platform, tool  # noqa: F401 - the real tool and platform servers
from tests.lti.test_flow import launch_as
from tests.scorm.conftest import items_of
from tests.scorm.factories import scorm12_package, scorm2004_package
from tests.scorm.test_cmi5_import import cmi5_package, lrs_headers, statement
from tests.scorm.test_lti_playback import link_imported

CMI = {  # what a SCO commits, by SCORM version: (status, raw score) -> cmi
    "scorm12": lambda status, raw, mode="normal": {
        "core": {"lesson_status": status, "score": {"raw": str(raw), "min": "0", "max": "100"}, "exit": "",
                 "session_time": "00:01:00", "lesson_mode": mode}},
    "scorm2004": lambda status, raw, mode="normal": {
        "completion_status": "completed" if status in ("passed", "failed") else status,
        "success_status": status if status in ("passed", "failed") else "unknown",
        "score": {"scaled": str(raw / 100)}, "exit": "normal", "session_time": "PT1M", "mode": mode},
}


def player(tool, platform, link: str):  # type: ignore[no-untyped-def]  # noqa: F811
    """A new launch of the link from the platform: the browser and the launch id the player page carries."""
    browser, page = launch_as(platform, link=link)
    assert page.status_code == 200 and "/scorm/play" in page.url, page.text
    return browser, parse_qs(urlsplit(page.url).query)["launch"][0]


def open_sco(tool, browser, launch: str, *, new: bool = False) -> dict:  # noqa: F811
    answer = browser.http.post(f"{tool.url}/scorm/session/0?launch={launch}&nav=start"
                               + ("&attempt=new" if new else ""), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def commit(tool, browser, session: dict, cmi: dict, *, terminate: bool = False) -> requests.Response:  # noqa: F811
    return browser.http.post(tool.url + session["commitUrl"] + ("&terminate=true" if terminate else ""),
                             data=json.dumps({"cmi": cmi}), headers={"Content-Type": "text/plain"}, timeout=10)


def sent(tool, platform) -> list[float]:  # noqa: F811
    drain_scores(tool.app)
    return [s["scoreGiven"] for s in platform.state.scores]


@pytest.mark.parametrize("kind", ["scorm12", "scorm2004"])
def test_a_passed_sco_reopens_for_review_and_the_platform_keeps_the_passing_score(tool, platform, tmp_path,  # noqa: F811
                                                                                  kind):
    make = scorm12_package if kind == "scorm12" else scorm2004_package
    link_imported(tool, platform, make(tmp_path / "p.zip"), "link-pkg", "Imported")
    cmi = CMI[kind]
    browser, launch = player(tool, platform, "link-pkg")
    first = open_sco(tool, browser, launch)
    assert first["review"] is False
    assert commit(tool, browser, first, cmi("incomplete", 0)).status_code == 200
    assert commit(tool, browser, first, cmi("passed", 90), terminate=True).status_code == 200
    passing = sent(tool, platform)[-1]  # 90 for the one SCO of 1.2; 2004 rolls up with a second SCO not taken
    assert passing == (90.0 if kind == "scorm12" else 45.0)
    before = len(platform.state.scores)

    for _ in range(2):  # the second and the third launch: the learner looks again and leaves
        browser, launch = player(tool, platform, "link-pkg")
        again = open_sco(tool, browser, launch)
        assert again["review"] is True and again["attempt"] == first["attempt"]
        mode = again["cmi"]["core"]["lesson_mode"] if kind == "scorm12" else again["cmi"]["mode"]
        credit = again["cmi"]["core"]["credit"] if kind == "scorm12" else again["cmi"]["credit"]
        assert (mode, credit) == ("review", "no-credit")
        # a SCO that sets its status again on entry, as many do, and exits: nothing of it is graded
        assert commit(tool, browser, again, cmi("incomplete", 0, "review")).status_code == 200
        assert commit(tool, browser, again, cmi("incomplete", 0, "review"), terminate=True).status_code == 200
    assert sent(tool, platform)[before:] == []  # nothing queued by looking again and leaving
    assert platform.state.scores[-1]["scoreGiven"] == passing

    # the learner asks for a new attempt: it starts fresh; an unfinished one lowers nothing (best by default)
    browser, launch = player(tool, platform, "link-pkg")
    fresh = open_sco(tool, browser, launch, new=True)
    assert fresh["review"] is False and fresh["attempt"] != first["attempt"]
    assert commit(tool, browser, fresh, cmi("incomplete", 10)).status_code == 200
    assert commit(tool, browser, fresh, cmi("failed", 40), terminate=True).status_code == 200
    assert set(sent(tool, platform)[before:]) == {passing}


def test_the_links_grading_policy_last_takes_the_last_finished_attempt(tool, platform, tmp_path):  # noqa: F811
    link_imported(tool, platform, scorm12_package(tmp_path / "p.zip"), "link-pkg", "Imported")
    platform.state.links["link-pkg"]["custom"]["grading"] = "last"
    cmi = CMI["scorm12"]
    browser, launch = player(tool, platform, "link-pkg")
    first = open_sco(tool, browser, launch)
    commit(tool, browser, first, cmi("passed", 90), terminate=True)
    browser, launch = player(tool, platform, "link-pkg")
    assert open_sco(tool, browser, launch)["review"] is True  # not without the learner asking
    fresh = open_sco(tool, browser, launch, new=True)
    assert commit(tool, browser, fresh, cmi("incomplete", 0)).status_code == 200
    assert sent(tool, platform)[-1] == 90.0  # an unfinished attempt counts nothing, even under `last`
    assert commit(tool, browser, fresh, cmi("passed", 82), terminate=True).status_code == 200
    assert sent(tool, platform)[-1] == 82.0  # the learner's new, finished attempt is the last one


def test_a_late_commit_outside_review_is_still_refused(tool, platform, tmp_path):  # noqa: F811
    link_imported(tool, platform, scorm12_package(tmp_path / "p.zip"), "link-pkg", "Imported")
    browser, launch = player(tool, platform, "link-pkg")
    first = open_sco(tool, browser, launch)
    commit(tool, browser, first, CMI["scorm12"]("passed", 90), terminate=True)
    late = commit(tool, browser, first, CMI["scorm12"]("failed", 0))
    assert late.status_code == 409 and late.json()["result"] is False
    assert sent(tool, platform)[-1] == 90.0


def cmi5_session(tool, browser, launch: str, sco: int, *, new: bool = False):  # type: ignore[no-untyped-def]  # noqa: F811
    """Open the AU like the player, then fetch its token and read LMS.LaunchData like the AU."""
    opened = browser.http.post(f"{tool.url}/scorm/session/{sco}?launch={launch}&nav=choice"
                               + ("&attempt=new" if new else ""), timeout=10)
    assert opened.status_code == 200, opened.text
    params = {k: v[0] for k, v in parse_qs(urlsplit(opened.json()["url"]).query).items()}
    token = requests.post(params["fetch"], timeout=10).json()["auth-token"]
    data = requests.get(tool.url + "/xapi/activities/state", headers=lrs_headers(token), timeout=10, params={
        "stateId": "LMS.LaunchData", "activityId": params["activityId"], "agent": params["actor"],
        "registration": params["registration"]}).json()
    session_id = data["contextTemplate"]["extensions"]["https://w3id.org/xapi/cmi5/context/extensions/sessionid"]

    def send(verb: str, scaled: float | None = None) -> None:
        answer = requests.post(tool.url + "/xapi/statements", headers=lrs_headers(token), timeout=10,
                               json=statement(json.loads(params["actor"]), verb, params["registration"], session_id,
                                              scaled))
        assert answer.status_code == 200, answer.text

    return opened.json(), data["launchMode"], send


def test_a_satisfied_cmi5_au_relaunches_in_review_and_keeps_its_grade(tool, platform, tmp_path):  # noqa: F811
    package_id = link_imported(tool, platform, cmi5_package(tmp_path / "c.zip"), "link-au", "cmi5")
    (sco,) = items_of(tool.app, package_id).values()
    browser, launch = player(tool, platform, "link-au")
    opened, mode, send = cmi5_session(tool, browser, launch, sco)
    assert mode == "Normal" and opened["review"] is False
    for verb, scaled in (("initialized", None), ("completed", None), ("passed", 0.9), ("terminated", None)):
        send(verb, scaled)
    assert browser.http.post(f"{tool.url}/scorm/cmi5/sync?launch={launch}", timeout=10).status_code == 200
    assert sent(tool, platform)[-1] == 90.0

    for _ in range(2):  # relaunched twice: Review mode; what the AU states there is not graded
        browser, launch = player(tool, platform, "link-au")
        opened, mode, send = cmi5_session(tool, browser, launch, sco)
        assert mode == "Review" and opened["review"] is True
        for verb, scaled in (("initialized", None), ("passed", 0.85), ("terminated", None)):
            send(verb, scaled)
        assert browser.http.post(f"{tool.url}/scorm/cmi5/sync?launch={launch}", timeout=10).status_code == 200
    assert sent(tool, platform)[-1] == 90.0

    # a new attempt the learner asks for counts, by the policy: best keeps 90
    opened, mode, send = cmi5_session(tool, browser, launch, sco, new=True)
    assert mode == "Normal" and opened["review"] is False
    send("initialized")
    send("passed", 0.82)
    browser.http.post(f"{tool.url}/scorm/cmi5/sync?launch={launch}", timeout=10)
    assert sent(tool, platform)[-1] == 90.0
