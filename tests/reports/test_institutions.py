"""Institution or group in the learner table, from what the LTI launch says: the custom parameter `institution`,
else the LIS claim's course section, else the e-mail domain. Launches are real signed id_tokens posted to
/lti/launch; the trainer reads the table and the exports over HTTP."""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lti_tool.models import LtiContext, LtiMembership, LtiUser
from lti_tool.lti.records import clean_label, institution_from_claims
from lti_tool.state import app_state
from tests.lti.conftest import jwks_server, tool_app  # noqa: F401 - fixtures
from tests.lti.support import INSTRUCTOR, LTI, launch_claims, login, rsa_key, sign

ISS = "https://platform.example"


@pytest.fixture
def client(tool_app):
    return tool_app.test_client()


def launch(client, sub: str, email: str, *, key: str = "platform", kid: str | None = None, **claims) -> str | None:
    """A signed launch into context ctx-1 (whole mini-course); the new launch id, or None when refused."""
    answer = login(client, ISS, "client-1")
    token = sign(launch_claims(ISS, "client-1", answer.nonce, sub=sub, email=email, name=f"Person {sub}", **claims),
                 key, kid=kid)
    response = client.post("/lti/launch", data={"id_token": token, "state": answer.state})
    if response.status_code != 303:
        return None
    return parse_qs(urlsplit(response.location).query)["launch"][0]


def custom(**extra: str) -> dict:
    return {"course": "mini-course", **extra}


def memberships(app) -> dict[str, str | None]:
    with app_state(app).db.sessions() as session:
        return dict(session.execute(select(LtiUser.sub, LtiMembership.institution)
                                    .join(LtiMembership, LtiMembership.user_pk == LtiUser.id)).all())


@pytest.fixture
def course(tool_app, client):
    """Four learners named by the platform in three ways, and a trainer."""
    launch(client, "ana", "ana@mup.gov.rs", lti_custom=custom(institution="Ministry of Interior"))
    launch(client, "boris", "boris@mup.gov.rs", lti_lis={"course_section_sourcedid": "Group B — Subotica"})
    launch(client, "vera", "vera@kirs.gov.rs", lti_custom=custom(institution="Commissariat"),
           lti_lis={"course_section_sourcedid": "Group B — Subotica"})  # the custom parameter wins
    launch(client, "dan", "dan@kirs.gov.rs")  # nothing named: the e-mail domain
    trainer = launch(client, "teacher", "t@mup.gov.rs", lti_roles=[INSTRUCTOR],
                     lti_custom=custom(institution="Trainers"))
    with app_state(tool_app).db.sessions() as session:
        context_pk = session.scalar(select(LtiContext.id))
    return f"/reports/{context_pk}/mini-course", trainer


def rows(client, url: str, **args: str) -> list[dict]:
    text = client.get(url, query_string=args).get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_launch_claims_name_the_institution(tool_app, course):
    assert memberships(tool_app) == {"ana": "Ministry of Interior", "boris": "Group B — Subotica",
                                     "vera": "Commissariat", "dan": None, "teacher": "Trainers"}


def test_filter_choices_table_and_exports_follow_the_institution(tool_app, client, course):
    base, trainer = course
    page = client.get(f"{base}/learners", query_string={"launch": trainer}).get_data(as_text=True)
    choices = page.split('id="f-inst"')[1].split("</select>")[0]
    for label in ("Ministry of Interior", "Group B — Subotica", "Commissariat", "kirs.gov.rs"):
        assert f'<option value="{label}">{label}</option>' in choices
    assert "Trainers" not in choices and "mup.gov.rs" not in choices  # every mup learner is named otherwise
    assert "Ministry of Interior</span>" in page

    export = f"{base}/export/learners.csv"
    everyone = rows(client, export, launch=trainer)
    assert {r["LTI user id"]: r["Institution or group"] for r in everyone} == {
        "ana": "Ministry of Interior", "boris": "Group B — Subotica", "vera": "Commissariat", "dan": "kirs.gov.rs"}
    for label, expected in (("Ministry of Interior", ["ana"]), ("Group B — Subotica", ["boris"]),
                            ("kirs.gov.rs", ["dan"]), ("KIRS.gov.rs", []), ("mup.gov.rs", []),
                            ("Trainers", []), ("x' OR 1=1 --", []), ("%", [])):
        assert [r["LTI user id"] for r in rows(client, export, launch=trainer, institution=label)] == expected, label
    html = client.get(f"{base}/learners", query_string={"launch": trainer, "institution": "Commissariat"})
    assert html.status_code == 200 and "1 learner matches." in html.get_data(as_text=True)
    xlsx = client.get(f"{base}/export/learners.xlsx", query_string={"launch": trainer,
                                                                    "institution": "Group B — Subotica"})
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    column = table[0].index("Institution or group")
    assert [r[column] for r in table[1:]] == ["Group B — Subotica"]


def page_institutions(client, url: str, **args: str) -> dict[str, str | None]:
    """Learner name -> the institution line under it in the learner table of the page."""
    html = client.get(url, query_string=args).get_data(as_text=True)
    body = html.split('id="learners-table"')[1].split("</tbody>")[0]
    found = {}
    for name, rest in re.findall(r'<th scope="row"><a href="[^"]*">([^<]*)</a>(.*?)</th>', body):
        lines = re.findall(r'<span class="meta">([^<]*)</span>', rest)  # e-mail, then institution
        found[name] = lines[1] if len(lines) > 1 else None
    return found


@pytest.mark.parametrize(("sub", "label"), [("ana", "Ministry of Interior"), ("dan", "kirs.gov.rs"),
                                             ("eve", "academy.edu.rs")])
def test_page_learner_page_exports_and_filter_agree(tool_app, client, course, sub, label):
    base, trainer = course
    if sub == "eve":  # the domain follows the last @ and is lower-cased
        launch(client, "eve", '"eve@home"@Academy.EDU.rs')
    name = f"Person {sub}"
    assert page_institutions(client, f"{base}/learners", launch=trainer)[name] == label
    assert page_institutions(client, f"{base}/learners", launch=trainer, institution=label) == {name: label}
    exported = rows(client, f"{base}/export/learners.csv", launch=trainer, institution=label)
    assert [(r["LTI user id"], r["Institution or group"]) for r in exported] == [(sub, label)]
    xlsx = client.get(f"{base}/export/learners.xlsx", query_string={"launch": trainer, "institution": label})
    sheet = [[c.value for c in row] for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows()]
    assert [r[sheet[0].index("Institution or group")] for r in sheet[1:]] == [label]
    with app_state(tool_app).db.sessions() as session:
        user_pk = session.scalar(select(LtiUser.id).where(LtiUser.sub == sub))
    html = client.get(f"{base}/learners/{user_pk}", query_string={"launch": trainer}).get_data(as_text=True)
    summary = html.split('id="learner-summary"')[1].split("</table>")[0]
    assert f"<td>{label}</td>" in summary


def test_a_later_launch_updates_and_a_silent_one_keeps_it(tool_app, client, course):
    launch(client, "ana", "ana@mup.gov.rs", lti_custom=custom(institution="Border Police"))
    launch(client, "boris", "boris@mup.gov.rs")
    assert memberships(tool_app)["ana"] == "Border Police" and memberships(tool_app)["boris"] == "Group B — Subotica"


def test_hostile_or_empty_values_are_not_kept(tool_app, client, course):
    before = memberships(tool_app)
    assert launch(client, "dan", "dan@kirs.gov.rs", key="attacker", kid=rsa_key("platform")[2],
                  lti_custom=custom(institution="Forged")) is None  # refused launch: nothing kept
    assert memberships(tool_app) == before
    launch(client, "dan", "dan@kirs.gov.rs", lti_custom=custom(institution="$Person.institution"),
           lti_lis={"course_section_sourcedid": 42})
    assert memberships(tool_app)["dan"] is None  # an unsubstituted variable and a number name nothing
    launch(client, "dan", "dan@kirs.gov.rs", lti_custom=custom(institution="  Police\x00\n  Academy " + "x" * 400))
    assert memberships(tool_app)["dan"] == ("Police Academy " + "x" * 400)[:255]


def test_claim_reading_rules():
    assert institution_from_claims({}) is None
    assert institution_from_claims({LTI + "custom": "institution=x", LTI + "lis": []}) is None
    assert institution_from_claims({LTI + "lis": {"course_section_sourcedid": " S1 "}}) == "S1"
    assert clean_label("\u202eevil") == "evil" and clean_label("   ") is None and clean_label(None) is None
