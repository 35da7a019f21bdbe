"""`maillogs list` end to end through Typer's CliRunner: formats and exit codes."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import httpx
import pytest
import respx
from typer.testing import CliRunner

from maillogs.cli.app import app
from maillogs.core.models import RECORD_FIELDS

runner = CliRunner()
KALEYRA_LOGS = "https://api.kaleyra.io/v1/SID9/email/logs"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        'default_profile = "prod"\n\n[profiles.prod]\nprovider = "kaleyra"\n'
        'sid = "SID9"\napi_key = "CANARY-CLI-KEY-424242"\ntimezone = "UTC"\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    monkeypatch.setenv("MAILLOGS_CONFIG", str(config))
    monkeypatch.setenv("MAILLOGS_RETRY_SECONDS", "0.2")
    for name in ("MAILLOGS_PROFILE", "NO_COLOR", "MAILLOGS_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return config


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_jsonl_is_the_piped_default_and_has_documented_keys() -> None:
    code, out, err = run("list", "--profile", "demo-edith", "--limit", "5")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 5
    assert all(list(row) == list(RECORD_FIELDS) for row in rows)
    times = [row["submitted_at"] for row in rows]
    assert times == sorted(times, reverse=True)  # newest first


def test_json_is_one_array() -> None:
    code, out, _ = run("list", "--profile", "demo-kaleyra", "--limit", "3", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert isinstance(data, list) and len(data) == 3


@pytest.mark.parametrize(("fmt", "delimiter"), [("csv", ","), ("tsv", "\t")])
def test_delimited_formats_have_a_header(fmt: str, delimiter: str) -> None:
    code, out, _ = run("list", "--profile", "demo-infobip", "--limit", "4", "--format", fmt)
    assert code == 0
    rows = list(csv.reader(io.StringIO(out), delimiter=delimiter))
    assert rows[0] == list(RECORD_FIELDS)
    assert len(rows) == 5


def test_table_format_prints_rows_without_escape_codes_when_piped() -> None:
    code, out, _ = run("list", "--profile", "demo-kaleyra", "--limit", "3", "--format", "table")
    assert code == 0
    assert "demo-kaleyra" not in out or "status" in out.lower()
    assert "\x1b[" not in out
    assert "@" in out  # addresses are shown


def test_columns_select_and_order() -> None:
    code, out, _ = run(
        "list", "--profile", "demo-edith", "--limit", "2", "--columns", "recipient,status"
    )
    assert code == 0
    # JSON keeps the documented key order; CSV follows the order asked for.
    assert [set(json.loads(line)) for line in out.splitlines()] == [{"recipient", "status"}] * 2
    code, out, _ = run(
        "list", "--profile", "demo-edith", "-n", "1", "-c", "recipient,status", "-f", "csv"
    )
    assert out.splitlines()[0] == "recipient,status"


def test_status_filter_returns_only_matching_records_from_every_profile() -> None:
    code, out, _ = run("list", "--profile", "demo", "--status", "bounce", "--all", "--since", "40h")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and {row["status"] for row in rows} == {"bounced"}
    assert {row["profile"] for row in rows} == {"demo-kaleyra", "demo-edith", "demo-infobip"}


def test_output_file_is_written_with_private_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    code, out, _ = run("list", "--profile", "demo-edith", "--limit", "3", "--output", str(target))
    assert code == 0 and out == ""
    assert target.read_text(encoding="utf-8").startswith("provider,profile")
    assert target.stat().st_mode & 0o777 == 0o600


def test_explain_sends_nothing_and_hides_secrets() -> None:
    with respx.mock:
        route = respx.get(KALEYRA_LOGS)
        code, out, _ = run("list", "--explain", "--status", "bounced", "--since", "2024-01-01")
    assert code == 0 and not route.called
    assert "start_date=2024-01-01" in out and "search=BOUNCE" in out
    assert "CANARY-CLI-KEY-424242" not in out


# ---- exit codes -----------------------------------------------------------


def test_usage_errors_exit_2_with_one_line() -> None:
    for args in (
        ["list", "--since", "someday"],
        ["list", "--status", "bouncy"],
        ["list", "--format", "xml"],
        ["list", "--columns", "nope"],
        ["list", "--recipient-type", "cc"],
        ["list", "--no-such-option"],
    ):
        code, out, err = run(*args)
        assert code == 2, (args, err)
        assert out == ""
        assert len(err.strip().splitlines()) == 1 and err.startswith("maillogs: ")


def test_missing_config_exits_78_and_says_how_to_add_a_profile(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MAILLOGS_CONFIG", str(tmp_path / "missing.toml"))
    code, _, err = run("list")
    assert code == 78
    assert "maillogs profiles add" in err


@pytest.mark.parametrize(
    ("response", "code", "needle"),
    [
        (httpx.Response(401, json={"data": [], "error": {"message": "bad key"}}), 77, "prod"),
        (httpx.Response(400, json={"data": [], "error": {"message": "bad date"}}), 69, "bad date"),
        (httpx.Response(200, content=b"<html>proxy error</html>"), 65, "not valid JSON"),
        (httpx.Response(503), 75, "HTTP 503"),
    ],
)
def test_provider_failures_map_to_documented_exit_codes(
    response: httpx.Response, code: int, needle: str
) -> None:
    with respx.mock:
        respx.get(KALEYRA_LOGS).mock(return_value=response)
        exit_code, out, err = run("list")
    assert exit_code == code, err
    assert needle in err and "CANARY-CLI-KEY-424242" not in err + out
    assert "Traceback" not in err


def test_unwritable_output_exits_73(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = run("list", "--profile", "demo-edith", "--output", str(blocker / "out.jsonl"))
    assert code == 73, err


def test_interrupt_exits_130_without_traceback() -> None:
    def ctrl_c(request: httpx.Request) -> httpx.Response:
        raise KeyboardInterrupt

    with respx.mock:
        respx.get(KALEYRA_LOGS).mock(side_effect=ctrl_c)
        code, _, err = run("list")
    assert code == 130
    assert err.strip() == "maillogs: interrupted"


def test_empty_result_exits_0() -> None:
    with respx.mock:
        respx.get(KALEYRA_LOGS).mock(
            return_value=httpx.Response(
                200, json={"data": [], "error": {}, "total": 0, "limit": "100", "offset": ""}
            )
        )
        code, out, _ = run("list", "--format", "json")
    assert code == 0 and json.loads(out) == []


def test_demo_ids_from_list_still_work_with_show_a_moment_later() -> None:
    # The demo data is laid out relative to "now" and EDITH ids encode their
    # times: an id copied from `list` must not go stale a second later.
    code, out, _ = run(
        "list", "--profile", "demo-edith", "-n", "1", "-c", "message_id", "-f", "csv"
    )
    assert code == 0
    message_id = out.splitlines()[1]
    time.sleep(1.1)
    code, out, err = run("show", message_id, "--profile", "demo-edith", "--format", "json")
    assert code == 0, err
    assert json.loads(out)[0]["message_id"] == message_id


@pytest.mark.parametrize(
    "args",
    [
        ("list", "--profile", "demo", "--output", ""),
        ("export", "--profile", "demo", "--output", " "),
        ("export", "--profile", "demo", "--since-last", "--state", "", "--output", "x.jsonl"),
    ],
)
def test_an_empty_output_or_state_is_a_usage_error(args: tuple[str, ...], tmp_path: Path) -> None:
    # An empty --output used to become ".", the current directory (exit 73), and
    # an empty --state silently used and advanced the default checkpoint.
    code, _out, err = run(*(a if a != "x.jsonl" else str(tmp_path / a) for a in args))
    assert code == 2
    assert err.count("\n") == 1 and ("--output" in err or "--state" in err)
    assert [path.name for path in tmp_path.iterdir()] == ["config.toml"]


@pytest.mark.parametrize("key", ['"CANARY-IB-KEY-777"', "777000777000777"])
def test_a_config_error_about_one_key_does_not_print_another_keys_secret(
    isolated_env: Path, key: str
) -> None:
    secret = key.strip('"')
    isolated_env.write_text(
        f'[profiles.ib]\nprovider = "infobip"\napi_key = {key}\n'
        f'base_url = "https://x.api.infobip.com/?apikey={secret}"\n',
        encoding="utf-8",
    )
    code, _out, err = run("list", "--profile", "ib")
    # base_url is checked before api_key is read; the key was printed in clear.
    assert code == 78
    assert "base_url" in err and secret not in err


def _seven_day_warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "only the last 7 days" in line]


def test_edith_without_since_says_every_record_means_the_last_7_days(tmp_path: Path) -> None:
    # EDITH answers the last 7 days when no dates are given: --all and export
    # would otherwise pass that week off as the whole history.
    code, _, err = run("list", "--profile", "demo-edith", "--all")
    assert code == 0, err
    (line,) = _seven_day_warnings(err)
    assert line.startswith("maillogs: warning: EDITH answers only the last 7 days")
    assert "'demo-edith'" in line and "--since" in line

    code, _, err = run("export", "--profile", "demo-edith", "-o", str(tmp_path / "e.jsonl"))
    assert code == 0, err
    assert len(_seven_day_warnings(err)) == 1


@pytest.mark.parametrize(
    "args",
    [
        ("--limit", "5"),  # the newest few: the default window is no surprise
        ("--all", "--since", "3d"),  # the user chose the window
    ],
)
def test_edith_7_day_warning_only_when_every_record_is_asked_without_since(
    args: tuple[str, ...],
) -> None:
    code, _, err = run("list", "--profile", "demo-edith", *args)
    assert code == 0, err
    assert _seven_day_warnings(err) == []


def _jsonl(*args: str) -> list[dict[str, object]]:
    code, out, err = run("list", *args, "--all", "--format", "jsonl")
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def _group(row: dict[str, object]) -> str:
    return str(row["provider_status"]).partition("/")[0]


@pytest.mark.parametrize(
    ("alias", "group", "canonical"),
    [
        # REJECTED covers policy refusals (blocked) and system errors (failed).
        ("rejected", "REJECTED", {"blocked", "failed"}),
        # UNDELIVERABLE covers bounces and drops by the suppression list (blocked).
        ("undeliverable", "UNDELIVERABLE", {"bounced", "blocked"}),
        # PENDING covers PENDING_ACCEPTED (queued) and the rest (sent).
        ("pending", "PENDING", {"queued", "sent"}),
    ],
)
def test_group_alias_selects_every_infobip_record_of_its_general_status(
    alias: str, group: str, canonical: set[str]
) -> None:
    everything = _jsonl("--profile", "demo-infobip")
    expected = sorted(row["message_id"] for row in everything if _group(row) == group)
    rows = _jsonl("--profile", "demo-infobip", "--status", alias)
    assert sorted(row["message_id"] for row in rows) == expected
    assert {str(row["status"]) for row in rows} == canonical
    code, out, err = run("list", "--profile", "demo-infobip", "--status", alias, "--explain")
    assert code == 0, err
    assert f"generalStatus={group}" in out


def test_group_alias_with_another_status_keeps_to_its_group_on_infobip() -> None:
    # `rejected` and `bounced`: UNDELIVERABLE records dropped by policy are
    # blocked, like some REJECTED ones, but are neither.
    everything = _jsonl("--profile", "demo-infobip")
    expected = sorted(
        row["message_id"]
        for row in everything
        if _group(row) == "REJECTED" or row["status"] == "bounced"
    )
    assert any(_group(r) == "UNDELIVERABLE" and r["status"] == "blocked" for r in everything)
    rows = _jsonl("--profile", "demo-infobip", "--status", "rejected,bounced")
    assert sorted(row["message_id"] for row in rows) == expected
    # Two general statuses (REJECTED, UNDELIVERABLE): neither can be sent alone.
    code, out, err = run("list", "-p", "demo-infobip", "--status", "rejected,bounced", "--explain")
    assert code == 0, err
    assert "generalStatus" not in out
    assert "status group REJECTED" in out


@pytest.mark.parametrize("profile", ["demo-kaleyra", "demo-edith"])
@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("rejected", {"blocked", "failed"}),
        ("undeliverable", {"bounced", "blocked"}),
        ("pending", {"queued", "sent"}),
    ],
)
def test_group_alias_is_its_canonical_statuses_elsewhere(
    profile: str, alias: str, canonical: set[str]
) -> None:
    everything = _jsonl("--profile", profile, "--since", "30d")
    expected = sorted(
        (str(r["message_id"]), str(r["recipient"])) for r in everything if r["status"] in canonical
    )
    assert expected
    rows = _jsonl("--profile", profile, "--since", "30d", "--status", alias)
    assert sorted((str(r["message_id"]), str(r["recipient"])) for r in rows) == expected


def test_statuses_lists_the_group_aliases_and_what_they_select() -> None:
    code, out, _ = run("statuses")
    assert code == 0
    lines = out.splitlines()
    assert "rejected      blocked or failed (Infobip: every REJECTED record)" in lines
    assert "undeliverable bounced or blocked (Infobip: every UNDELIVERABLE record)" in lines
    assert "pending       queued or sent (Infobip: every PENDING record)" in lines
    code, out, _ = run("statuses", "--json")
    document = json.loads(out)
    assert document["alias_sets"]["rejected"] == {
        "statuses": ["blocked", "failed"],
        "native_groups": {"infobip": "REJECTED"},
    }
    assert document["aliases"]["bounce"] == "bounced"
    assert "rejected" not in document["aliases"]
