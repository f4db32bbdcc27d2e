"""The PyPI `tincan` client against the LRS over real HTTP on 127.0.0.1."""
from __future__ import annotations

import uuid

from tincan import (Activity, ActivityDefinition, Agent, LanguageMap, RemoteLRS, Statement, StateDocument, Verb)

from tests.xapi.conftest import KEY, SECRET


def test_tincan_statements_state_and_about(live_lrs: str) -> None:
    lrs = RemoteLRS(endpoint=live_lrs, username=KEY, password=SECRET, version="1.0.3")
    actor = Agent(name="Learner", mbox="mailto:tincan@example.com")
    verb = Verb(id="http://adlnet.gov/expapi/verbs/experienced", display=LanguageMap({"en-US": "experienced"}))
    activity = Activity(id="http://example.com/tincan/lesson",
                        definition=ActivityDefinition(name=LanguageMap({"en-US": "Lesson"})))
    statement = Statement(id=uuid.uuid4(), actor=actor, verb=verb, object=activity)
    saved = lrs.save_statement(statement)
    assert saved.success, saved.data
    fetched = lrs.retrieve_statement(str(statement.id))
    assert fetched.success and fetched.content.verb.id == verb.id
    assert fetched.content.authority is not None
    for _ in range(3):
        assert lrs.save_statement(Statement(actor=actor, verb=verb, object=activity)).success
    page = lrs.query_statements({"agent": actor, "limit": 2})
    assert page.success and len(page.content.statements) == 2 and page.content.more
    rest = lrs.more_statements(page.content)
    assert rest.success and len(rest.content.statements) == 2
    state = StateDocument(id="bookmark", activity=activity, agent=actor, content="page-7",
                          content_type="text/plain")
    assert lrs.save_state(state).success
    got = lrs.retrieve_state(activity=activity, agent=actor, state_id="bookmark")
    assert got.success and got.content.content == b"page-7"
    about = lrs.about()
    assert about.success and "1.0.3" in about.content.version
    wrong = RemoteLRS(endpoint=live_lrs, username=KEY, password="wrong", version="1.0.3")
    assert not wrong.save_statement(Statement(actor=actor, verb=verb, object=activity)).success
