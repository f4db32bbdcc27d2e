"""SCORM 2004 packages whose manifests declare IMS Simple Sequencing, played through LTI: the player's requests
(start, choice from the menu, Continue / Previous, the SCO's adl.nav.request) are decided on the server by
the package's control modes, preconditions and attempt limits, and the organization's rolled-up status is the
grade queued for AGS."""
from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from sqlalchemy import select

from lti_tool.models import OutboxMessage
from lti_tool.grading import AGS_SCORE
from lti_tool.state import app_state
from scorm.sequencing import LeafRecord, NavigationRefused, Tree, parse_nav_request
from scorm.sequencing_read import SequencingReader, read_organization_tree
from tests.scorm.conftest import items_of
from tests.scorm.factories import sequenced_package
from tests.scorm.test_upload_page import LEARNER, make_launch


@pytest.fixture
def imported(app, importer, tmp_path):
    def run(**kwargs):  # type: ignore[no-untyped-def]
        package_id = importer(sequenced_package(tmp_path / f"s{len(kwargs)}.zip", **kwargs)).package_id
        launch = make_launch(app, LEARNER, "learner-1", {"course": f"pkg:{package_id}"})
        return package_id, items_of(app, package_id), launch
    return run


class Learner:
    """Drives /scorm/session and /scorm/commit as the player page does."""

    def __init__(self, client, launch: str, scos: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
        self.client, self.launch, self.scos = client, launch, scos
        self.names = {v: k for k, v in scos.items()}
        self.current: int | None = None
        self.commit_url = ""

    def nav(self, request: str, target: str | None = None, new: bool = False):  # type: ignore[no-untyped-def]
        url = f"/scorm/session/{self.scos[target] if target else 0}?launch={self.launch}&nav={quote(request)}"
        if self.current:
            url += f"&from={self.current}"
        if new:
            url += "&attempt=new"
        answer = self.client.post(url)
        body = answer.get_json()
        if answer.status_code == 200 and body["attempt"]:
            self.current, self.commit_url = body["sco"], body["commitUrl"]
        return answer.status_code, body

    def opened(self, request: str, target: str | None = None, new: bool = False) -> str:
        status, body = self.nav(request, target, new)
        assert status == 200 and body["attempt"], body
        return self.names[body["sco"]]

    def finish(self, success: str, scaled: float) -> None:
        cmi = {"completion_status": "completed", "success_status": success, "score": {"scaled": str(scaled)},
               "exit": "normal", "session_time": "PT1M"}
        answer = self.client.post(self.commit_url + "&terminate=true", data=json.dumps({"cmi": cmi}),
                                  content_type="text/plain")
        assert answer.status_code == 200, answer.data


def grades(app) -> list[dict]:  # type: ignore[no-untyped-def]
    with app_state(app).db.sessions() as session:
        return [m.payload["score"] for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == AGS_SCORE).order_by(OutboxMessage.id))]


def test_flow_only_package_cannot_jump_with_choice(app, client, imported):
    package_id, scos, launch = imported(choice=False)
    learner = Learner(client, launch, scos)
    page = client.get(f"/scorm/play?launch={launch}").data.decode()
    assert 'data-nav="continue"' in page and page.count("disabled>") == 3  # the menu cannot be used to jump
    assert learner.opened("start") == "S1"
    status, body = learner.nav("choice", "S3")
    assert status == 409 and "choice=false" in body["error"]
    assert client.post(f"/scorm/session/{scos['S3']}?launch={launch}").status_code == 409  # no side door
    assert learner.nav("previous")[0] == 409  # nothing before the first SCO


def test_prerequisite_disables_the_next_sco_until_satisfied(app, client, imported):
    _, scos, launch = imported(choice=False)
    learner = Learner(client, launch, scos)
    assert learner.opened("start") == "S1"
    learner.finish("failed", 0.2)
    status, body = learner.nav("continue")
    assert status == 409 and "'Needs the prerequisite' is not available" in body["error"]
    status, body = learner.nav("start")  # the failed attempt reopens for review, graded no more
    assert status == 200 and body["review"] is True and body["cmi"]["mode"] == "review"
    assert learner.opened("start", new=True) == "S1"  # a new attempt at the prerequisite, as the learner asks
    learner.finish("passed", 0.9)
    assert learner.opened("continue") == "S2"


def test_rollup_gives_the_course_grade_sent_over_ags(app, client, imported):
    _, scos, launch = imported(choice=False)
    learner = Learner(client, launch, scos)
    learner.opened("start")
    learner.finish("passed", 0.9)
    assert grades(app)[-1]["activityProgress"] == "InProgress"
    assert grades(app)[-1]["gradingProgress"] == "Pending"  # S2 and S3 unknown: the course is not decided
    assert learner.opened("continue") == "S2"
    learner.finish("passed", 0.7)
    assert learner.opened("continue") == "S3"
    learner.finish("passed", 0.8)
    final = grades(app)[-1]
    assert final["scoreGiven"] == 80.0 and final["scoreMaximum"] == 100  # the weighted measure rollup
    assert (final["activityProgress"], final["gradingProgress"]) == ("Completed", "FullyGraded")
    status, body = learner.nav("continue")
    assert status == 200 and body["attempt"] is None and body["ended"] is True


def test_attempt_limit_and_forward_only_choice(app, client, imported):
    _, scos, launch = imported(choice=True, forward_only=True)
    learner = Learner(client, launch, scos)
    assert learner.opened("choice", "S3") == "S3"  # choice is allowed here; S3 has no precondition
    learner.finish("passed", 0.8)
    status, body = learner.nav("choice", "S1")
    assert status == 409 and "forwardOnly" in body["error"]
    learner.current = None
    status, body = learner.nav("choice", "S3")
    assert status == 409 and "no attempt left" in body["error"]
    status, body = learner.nav("choice", "S2")
    assert status == 409 and "not available yet" in body["error"]
    assert learner.opened("choice", "S1") == "S1"
    _, body = learner.nav("exit")
    assert body["menu"] == {str(scos["S1"]): "enabled", str(scos["S2"]): "disabled", str(scos["S3"]): "disabled"}


def test_a_sco_chooses_another_sco_by_its_identifier(app, client, imported):
    """adl.nav.request `{target=ID}choice` reaches the tool as the SCO set it; the tool finds the item."""
    _, scos, launch = imported(choice=True)
    learner = Learner(client, launch, scos)
    assert learner.opened("start") == "S1"
    assert learner.opened("{target=S3}choice") == "S3"
    status, body = learner.nav("{target=NOPE}choice")
    assert status == 409 and "'NOPE', which is not an item of this package" in body["error"]


@pytest.mark.parametrize("request_, sco", [("exitAll", None), ("suspendAll", None), ("jump", None), ("choice", None)])
def test_odd_navigation_requests(app, client, imported, request_, sco):
    _, scos, launch = imported(choice=False)
    status, body = Learner(client, launch, scos).nav(request_, sco)
    if request_ in ("exitAll", "suspendAll"):
        assert status == 200 and body["ended"] is True and body["attempt"] is None
    else:
        assert status in (404, 409) and body["result"] is False


def test_scorm12_packages_are_not_sequenced(app, client, importer, tmp_path):
    from tests.scorm.factories import scorm12_package
    package_id = importer(scorm12_package(tmp_path / "p.zip")).package_id
    launch = make_launch(app, LEARNER, "learner-9", {"course": f"pkg:{package_id}"})
    answer = client.post(f"/scorm/session/{items_of(app, package_id)['I2']}?launch={launch}&nav=choice")
    assert answer.status_code == 200 and answer.get_json()["menu"] is None


# --- the engine on its own ----------------------------------------------------------------------------------

def tree_of(xml: str, records: dict[str, LeafRecord]) -> Tree:
    from lxml import etree
    root = etree.fromstring(xml.encode())
    organization = root.find("{http://www.imsglobal.org/xsd/imscp_v1p1}organizations/"
                             "{http://www.imsglobal.org/xsd/imscp_v1p1}organization")
    return Tree(read_organization_tree(SequencingReader(root), organization, "http://www.imsglobal.org/xsd/imscp_v1p1"),
                records)


ROLLUP = """<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
<organizations><organization identifier="O"><title>T</title>
 <item identifier="A" identifierref="R"><title>A</title>
  <imsss:sequencing><imsss:rollupRules objectiveMeasureWeight="0"/></imsss:sequencing></item>
 <item identifier="B" identifierref="R"><title>B</title></item>
 <imsss:sequencing IDRef="shared"/>
</organization></organizations>
<imsss:sequencingCollection><imsss:sequencing ID="shared">
 <imsss:rollupRules><imsss:rollupRule childActivitySet="any"><imsss:rollupConditions>
  <imsss:rollupCondition condition="satisfied"/></imsss:rollupConditions><imsss:rollupAction action="satisfied"/>
 </imsss:rollupRule></imsss:rollupRules></imsss:sequencing></imsss:sequencingCollection>
</manifest>"""


def test_rollup_rules_from_a_sequencing_collection_and_measure_weights():
    tree = tree_of(ROLLUP, {"A": LeafRecord(attempts=1, success="passed", measure=1.0, completion="completed",
                                            ended=True)})
    root = tree.root_status()
    assert root.satisfied is True  # childActivitySet="any" from the collection
    assert root.measure is None  # A weighs 0, B has no measure
    assert root.completed is None
    tree = tree_of(ROLLUP, {"B": LeafRecord(attempts=1, success="failed", measure=0.4, completion="completed",
                                            ended=True),
                            "A": LeafRecord(attempts=1, success="failed", measure=1.0, completion="completed",
                                            ended=True)})
    assert (tree.root_status().measure, tree.root_status().completed) == (0.4, True)


def test_content_that_reports_nothing_is_completed_and_satisfied_when_it_ends():
    tree = tree_of(ROLLUP, {"B": LeafRecord(attempts=1, ended=True)})
    assert (tree.status["B"].completed, tree.status["B"].satisfied) == (True, True)
    assert tree.status["A"].completed is None


def test_nav_request_values():
    assert parse_nav_request("{target=S3}choice") == ("choice", "S3")
    assert parse_nav_request("continue") == ("continue", None)
    assert parse_nav_request("{target=") == ("{target=", None)
    tree = tree_of(ROLLUP, {})
    with pytest.raises(NavigationRefused):
        tree.request("continue", "A")  # flow is false by default
    with pytest.raises(NavigationRefused):
        tree.request("choice", None, "O")  # a cluster cannot be delivered


@pytest.mark.parametrize("change, message", [
    (('<imsss:limitConditions attemptLimit="1"/>', '<imsss:limitConditions attemptLimit="many"/>'),
     "attemptLimit 'many' is not a non-negative integer"),
    (('<imsss:sequencing><imsss:controlMode', '<imsss:sequencing IDRef="nowhere"><imsss:controlMode'),
     "sequencing IDRef 'nowhere' is not in the sequencingCollection"),
])
def test_broken_sequencing_is_a_located_refusal(importer, tmp_path, change, message):
    from tests.scorm.factories import SEQUENCED_MANIFEST, SEQUENCED_SCO, make_zip
    from scorm.importer import PackageRejected
    manifest = SEQUENCED_MANIFEST.format(choice="true", forward_only="false", title="t", ident="b").replace(*change)
    path = make_zip(tmp_path / "b.zip", {"imsmanifest.xml": manifest, **{
        f"s{i}.html": SEQUENCED_SCO.format(name=f"S{i}", score=0.5) for i in (1, 2, 3)}})
    with pytest.raises(PackageRejected) as refused:
        importer(path, ignore_schema_errors=True)
    assert any(message in str(p) and ":" in str(p) for p in refused.value.problems), refused.value.problems


def test_a_deep_and_wide_activity_tree_is_evaluated_without_recursion():
    nodes = [{"id": "ROOT", "parent": None, "title": "r", "leaf": False,
              "control": {"choice": True, "choiceExit": True, "flow": True, "forwardOnly": False}}]
    for depth in range(1, 3000):  # a chain of clusters 3,000 deep (Python's recursion limit is 1,000)
        nodes.append({"id": f"C{depth}", "parent": nodes[-1]["id"], "title": "c", "leaf": False,
                      "control": {"choice": True, "choiceExit": True, "flow": True, "forwardOnly": False}})
    parent = nodes[-1]["id"]
    nodes += [{"id": f"L{i}", "parent": parent, "title": "l", "leaf": True} for i in range(200)]
    tree = Tree(nodes, {"L0": LeafRecord(attempts=1, success="passed", completion="completed", measure=1.0,
                                         ended=True)})
    assert tree.request("start", None).deliver == "L0"
    assert tree.request("continue", "L0").deliver == "L1"
    assert tree.root_status().measure == 0.005 and tree.root_status().completed is None
