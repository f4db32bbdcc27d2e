"""`mirco lrs clients|stats|export|erase` and `mirco worker --once`: results, and exit 2 on bad input."""
from __future__ import annotations

import json

import pytest

from lti_tool.cli import cli
from tests.xapi.conftest import Xapi, basic, statement


@pytest.fixture
def run(lrs_app):  # type: ignore[no-untyped-def]
    runner = lrs_app.test_cli_runner()
    return lambda *args, **kw: runner.invoke(cli, list(args), **kw)


def test_clients_add_list_and_use(run, lrs_app) -> None:  # type: ignore[no-untyped-def]
    result = run("lrs", "clients", "add", "Analytics", "--scopes", "statements/read,all/read")
    assert result.exit_code == 0, result.output
    fields = dict(line.split(None, 1) for line in result.output.strip().splitlines())
    listed = run("lrs", "clients", "list").output
    assert fields["key"] in listed and "Analytics" in listed and fields["secret"] not in listed
    xapi = Xapi(lrs_app.test_client(), auth=basic(fields["key"], fields["secret"]))
    assert xapi.get("statements").status_code == 200
    assert xapi.post("statements", json=statement()).status_code == 403
    disabled = run("lrs", "clients", "disable", fields["key"])
    assert disabled.exit_code == 0, disabled.output
    assert xapi.get("statements").status_code == 401
    assert f"{fields['key']}" in run("lrs", "clients", "list").output.split("(disabled)")[0]


@pytest.mark.parametrize("args", [
    ["lrs", "clients", "add", "x", "--scopes", "root"],
    ["lrs", "clients", "add", "", "--scopes", "all"],
    ["lrs", "clients", "add", "x"],
    ["lrs", "clients", "disable", "no-such-key"],
    ["lrs", "export", "--since", "last tuesday"],
    ["lrs", "erase", "--agent", "{not json", "--yes"],
    ["lrs", "erase", "--agent", '{"name": "no identifier"}', "--yes"],
    ["lrs", "erase", "--agent", '{"objectType": "Group", "member": [{"mbox": "mailto:a@x.org"}]}', "--yes"],
])
def test_bad_input_exits_2_with_a_message(run, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "Error" in result.output


def test_stats_export_erase(run, lrs_app) -> None:  # type: ignore[no-untyped-def]
    xapi = Xapi(lrs_app.test_client())
    learner = {"account": {"homePage": "https://moodle.example.org", "name": "77"}}
    xapi.store(statement(), statement(actor=learner), statement(actor=learner))
    stats = json.loads(run("lrs", "stats").output)
    assert stats["statements"] == 3 and stats["agents"] == 2 and stats["voided"] == 0
    exported = run("lrs", "export", "--since", "2000-01-01T00:00:00Z")
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(lines) == 3 and lines[0]["stored"] <= lines[-1]["stored"]
    assert run("lrs", "export", "--since", "2999-01-01T00:00:00Z").stdout == ""
    erased = run("lrs", "erase", "--agent", json.dumps(learner), "--yes")
    assert erased.exit_code == 0, erased.output
    assert "statements voided: 2" in erased.output and "statements scrubbed: 2" in erased.output
    stats = json.loads(run("lrs", "stats").output)
    assert stats["voided"] == 2 and stats["statements"] == 5
    assert run("lrs", "erase", "--agent", json.dumps(learner)).exit_code == 1  # confirmation refused (no input)


def test_worker_once_with_nothing_to_do(run) -> None:  # type: ignore[no-untyped-def]
    result = run("worker", "--once")
    assert result.exit_code == 0 and "0 item(s) handled" in result.output


def test_a_failing_drain_does_not_stop_the_others(lrs_app, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    from lti_tool.worker import run_pass

    def broken(app) -> int:  # type: ignore[no-untyped-def]
        raise RuntimeError("platform unreachable")

    assert run_pass(lrs_app, [broken, lambda app: 3]) == 3
    assert "drain broken failed" in caplog.text
