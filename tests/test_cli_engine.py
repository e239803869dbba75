"""The engine's command line: `outdial simulate` and `outdial accounts`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outdial.cli import cli
from outdial.config import Settings
from outdial.run.export import ATTEMPT_FIELDS
from tests.conftest import ACCOUNT_A, STREAM_A1, make_credentials
from tests.scenarios import campaign, contacts

runner = CliRunner()


def scenario(path: Path) -> Path:
    body = {
        "start": "2026-03-04T15:00:00Z",
        "seed": 5,
        "lines": 2,
        "cps": 1,
        "carrier": {"answer": 0.5, "busy": 0.3, "noAnswer": 0.2, "failed": 0, "machine": 0},
        "contactLists": [{"name": "People", "contacts": contacts(6, ["America/New_York"])}],
        "dncLists": [{"name": "Blocked", "numbers": [contacts(6, [None])[5]["phoneNumber"]]}],
        "campaign": campaign(["People"], "Blocked", retry=5),
    }
    file = path / "scenario.json"
    file.write_text(json.dumps(body))
    return file


def test_simulate_prints_a_report_and_writes_the_attempts(tmp_path: Path) -> None:
    out = tmp_path / "attempts.jsonl"
    result = runner.invoke(cli, ["simulate", str(scenario(tmp_path)), "--attempts-out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {
        "attempts",
        "outcomes",
        "dispositions",
        "records",
        "virtualSeconds",
        "wallSeconds",
        "lineOccupancy",
        "start",
        "end",
    } <= set(report)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == report["attempts"] > 5
    assert all(tuple(row) == ATTEMPT_FIELDS for row in rows)
    assert sum(report["outcomes"].values()) == report["attempts"]
    assert len(report["records"]) == 6 and report["dispositions"]["DNC Excluded"] == 1
    assert report["lineOccupancy"]["max"] <= 2


@pytest.mark.parametrize(
    ("content", "needle"),
    [("{not json", "invalid scenario"), ('{"start": "2026-01-01T00:00:00Z"}', "invalid scenario")],
)
def test_simulate_refuses_a_bad_scenario(tmp_path: Path, content: str, needle: str) -> None:
    file = tmp_path / "bad.json"
    file.write_text(content)
    result = runner.invoke(cli, ["simulate", str(file)])
    assert result.exit_code == 2 and needle in result.output


def test_simulate_reports_a_campaign_the_api_would_refuse(tmp_path: Path) -> None:
    body = json.loads(scenario(tmp_path).read_text())
    body["campaign"]["dialingStrategy"]["maxRingTime"] = 500
    file = tmp_path / "refused.json"
    file.write_text(json.dumps(body))
    result = runner.invoke(cli, ["simulate", str(file)])
    assert result.exit_code == 2 and "maxRingTime" in result.output


def test_accounts_set_changes_lines_and_rate(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_credentials(settings, ACCOUNT_A, [STREAM_A1])
    monkeypatch.setenv("OUTDIAL_DATABASE_URL", settings.database_url)
    result = runner.invoke(cli, ["accounts", "set", ACCOUNT_A, "--lines", "42", "--cps", "2.5"])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(cli, ["accounts", "list"])
    assert f"{ACCOUNT_A}  lines=42  cps=2.5" in listed.stdout
    refused = runner.invoke(cli, ["accounts", "set", ACCOUNT_A, "--lines", "0"])
    assert refused.exit_code == 2 and "lines" in refused.output
    missing = runner.invoke(cli, ["accounts", "set", "c" * 24, "--lines", "3"])
    assert missing.exit_code == 2
