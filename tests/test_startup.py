"""``maillogs --help``, ``--version`` and every command's ``--help`` must start
instantly, and the quick start loads only what its table needs.

They may import Typer and nothing heavy: no httpx, pydantic, Rich, provider
adapters, engine or configuration. Typer itself would import pydantic for any
command (it converts every option value through a pydantic adapter, even the
help flag's); ``maillogs.cli.coercion`` converts them instead. Each check
runs the real console-script path (``maillogs.cli.app:run``) in a fresh
interpreter and then inspects ``sys.modules``. The time itself is measured by ``benchmarks/run.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from maillogs.cli.app import COMMANDS, load_command

HEAVY = (
    "httpx",
    "pydantic",
    "rich",
    "rich.table",
    "maillogs.profiles",
    "maillogs.engine",
    "maillogs.fetch.http",
    "maillogs.core.models",
    "maillogs.providers.base",
    "maillogs.providers.kaleyra.adapter",
    "maillogs.providers.edith.adapter",
    "maillogs.providers.infobip.adapter",
    "maillogs.render",
    # The Singer tap's SDK: only `tap-maillogs` loads it, never `maillogs`.
    "singer_sdk",
    "maillogs.tap",
)

# Runs the console script's entry point with argv, then reports (on stderr,
# stdout being the help text) its exit code and which heavy modules it loaded.
PROBE = """
import json, sys
heavy = json.loads(sys.argv[1])
sys.argv = ["maillogs", *sys.argv[2:]]
from maillogs.cli.app import run
try:
    run()
    code = 0
except SystemExit as exit:
    code = exit.code or 0
# A None entry is an import refused on purpose, not a module loaded.
loaded = [name for name in heavy if sys.modules.get(name) is not None]
sys.stderr.write("PROBE " + json.dumps({"code": code, "loaded": loaded}) + "\\n")
"""


def probe(*args: str, heavy: tuple[str, ...] = HEAVY) -> tuple[dict[str, object], str, str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(heavy), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    line = next(line for line in result.stderr.splitlines() if line.startswith("PROBE "))
    return json.loads(line.removeprefix("PROBE ")), result.stdout, result.stderr


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["--version"], ["-V"], []])
def test_help_and_version_import_nothing_heavy(args: list[str]) -> None:
    report, stdout, stderr = probe(*args)
    assert report["loaded"] == []
    if args[:1] in (["--version"], ["-V"]):
        assert report["code"] == 0
        assert stdout.startswith("maillogs ")
    else:
        # No arguments shows the help too, on stderr with exit 2, as Click does.
        assert report["code"] == (0 if args else 2)
        for name in COMMANDS:
            assert f"  {name} " in (stdout if args else stderr)


@pytest.mark.parametrize(
    "args", [[name] for name in COMMANDS] + [["sandbox", "serve"], ["archive", "prune"]]
)
def test_a_commands_help_imports_nothing_heavy(args: list[str]) -> None:
    report, stdout, stderr = probe(*args, "--help")
    assert report["code"] == 0, stderr
    assert stdout.startswith(f"Usage: maillogs {' '.join(args)} ")
    # `profiles` manages the configuration: its module is the command's own.
    allowed = {"maillogs.profiles"} if args == ["profiles"] else set()
    assert set(report["loaded"]) <= allowed, report["loaded"]


# What the quick start (README: `maillogs list --profile demo`) must not load:
# Typer's pydantic adapters (the option values are converted by maillogs),
# httpx's own command-line client with the Click, Pygments and Rich it imports,
# and pydantic (records are named tuples; only `schema` describes them with it).
QUICK_START_NEVER = (
    "typer._adapters",
    "httpx._main",
    "click",
    "pygments",
    "pydantic",
    "singer_sdk",
    "maillogs.tap",
)


@pytest.mark.parametrize(
    ("fmt", "never"),
    [
        # Piped, as here, the quick start writes JSON Lines: pydantic-core's
        # serializer, but no Rich.
        (None, (*QUICK_START_NEVER, "rich")),
        # Its table, as on a terminal: Rich, and no JSON serializer at all.
        ("table", (*QUICK_START_NEVER, "pydantic_core")),
    ],
)
def test_the_quick_start_loads_only_what_its_output_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str | None, never: tuple[str, ...]
) -> None:
    monkeypatch.setenv("MAILLOGS_CONFIG", str(tmp_path / "none.toml"))
    args = ("list", "--profile", "demo", "--limit", "20", *(("--format", fmt) if fmt else ()))
    report, stdout, stderr = probe(*args, heavy=never)
    assert report["code"] == 0, stderr
    assert len(stdout.splitlines()) >= 20
    assert report["loaded"] == []


@pytest.mark.parametrize("name", list(COMMANDS))
def test_listed_help_line_is_the_commands_own(name: str) -> None:
    # `maillogs --help` shows COMMANDS' lines without importing the commands;
    # they must not drift from the help each command declares.
    assert load_command(name).get_short_help_str(limit=1000) == COMMANDS[name][1]


def test_a_command_loads_its_module_when_run() -> None:
    report, stdout, _ = probe("schema")
    assert report["code"] == 0
    assert '"$schema"' in stdout or '"properties"' in stdout
    assert "pydantic" in report["loaded"]


def test_a_command_that_fetches_records_never_loads_the_singer_sdk() -> None:
    # `schema` shares its code with the tap; `list` shares the engine.
    for args in (["schema"], ["list", "--profile", "demo", "-n", "1", "--format", "json"]):
        report, stdout, stderr = probe(*args)
        assert report["code"] == 0, stderr
        assert stdout.strip()
        assert "singer_sdk" not in report["loaded"]
        assert "maillogs.tap" not in report["loaded"]


def test_an_offline_list_builds_no_record_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`list --offline` writes rows SQLite formats: no pydantic models, no HTTP
    client, no provider adapters, and no pydantic at all (Typer's option
    adapters would load it; ``maillogs.cli.coercion`` converts the values)."""
    from maillogs.archive.store import open_archive, transaction, upsert
    from maillogs.core.models import LogRecord
    from maillogs.core.statuses import Status

    path = tmp_path / "archive.sqlite3"
    conn = open_archive(path, create=True)
    record = LogRecord(
        provider="edith",
        profile="p",
        message_id="m",
        status=Status.BOUNCED,
        provider_status="bounce",
        sender=None,
        recipient=None,
        recipient_type=None,
        submitted_at=None,
    )
    with transaction(conn, path):
        upsert(conn, [record], seen_us=1)
    conn.close()
    monkeypatch.setenv("MAILLOGS_ARCHIVE", str(path))
    monkeypatch.setenv("MAILLOGS_CONFIG", str(tmp_path / "none.toml"))
    args = ("list", "--offline", "--status", "bounced", "--limit", "100", "--format", "jsonl")
    report, stdout, stderr = probe(*args)
    assert report["code"] == 0, stderr
    assert '"message_id":"m"' in stdout
    # The renderers write the rows; profiles names the archived ones; the
    # record's field list (a named tuple, no pydantic) describes the columns.
    allowed = {"maillogs.profiles", "maillogs.render", "maillogs.core.models"}
    assert set(report["loaded"]) <= allowed, report["loaded"]
