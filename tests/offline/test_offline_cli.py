"""``--offline`` end to end: a real ``maillogs sync --profile demo`` fills an
archive, then ``list``, ``stats``, ``show`` and ``export`` answer from it as the
live commands do over the same range, without a socket or a credential."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from maillogs.archive.offline import open_reader, read_records
from maillogs.archive.store import open_archive, transaction, upsert
from maillogs.cli.app import app
from maillogs.core.query import Query

runner = CliRunner()
# Inside what `sync` covers for every demo profile (Infobip keeps 48 hours).
RANGE = ("--since", "30h")
DEMO = ("--profile", "demo")


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@dataclass
class Synced:
    archive: Path
    # Live answers taken in the same hour as the sync (the demo data moves on the hour).
    live_list: str
    live_stats: dict[str, str]
    live_export: str


STATS_ARGS = {
    "day": ("--by", "day", "--tz", "America/New_York"),
    "domain": ("--by", "recipient-domain", "--per-profile", "--status", "undeliverable"),
}


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    home = tmp_path_factory.mktemp("offline")
    archive = home / "data" / "archive.sqlite3"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MAILLOGS_CONFIG", str(home / "config.toml"))
        patch.setenv("MAILLOGS_ARCHIVE", str(archive))
        for name in ("MAILLOGS_PROFILE", "NO_COLOR"):
            patch.delenv(name, raising=False)
        for _ in range(2):
            hour = datetime.now(UTC).hour
            archive.unlink(missing_ok=True)
            subprocess.run(
                [sys.executable, "-m", "maillogs", "sync", *DEMO, "-q"], check=True, env=os.environ
            )
            live_list = run("list", *DEMO, *RANGE, "--all", "--format", "jsonl")[1]
            stats = {
                key: run(
                    "stats", *DEMO, "--range", "30h", *args, "--source", "logs", "-f", "jsonl"
                )[1]
                for key, args in STATS_ARGS.items()
            }
            run("export", *DEMO, *RANGE, "-o", str(home / "live.csv"))
            if datetime.now(UTC).hour == hour:
                break
        yield Synced(archive, live_list, stats, (home / "live.csv").read_text(encoding="utf-8"))


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("--offline opened a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_offline_list_is_the_live_list_byte_for_byte(synced: Synced, no_network: None) -> None:
    code, out, err = run("list", *DEMO, *RANGE, "--all", "--format", "jsonl", "--offline")
    assert code == 0, err
    assert len(out.splitlines()) > 300
    assert out == synced.live_list


def test_offline_honours_columns_formats_and_limit(synced: Synced, no_network: None) -> None:
    code, out, _ = run("list", "--offline", *DEMO, "-n", "5", "-c", "recipient,status", "-f", "csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "recipient,status"
    assert len(lines) == 6
    live = synced.live_list.splitlines()[:5]
    assert [line.split(",")[1] for line in lines[1:]] == [json.loads(x)["status"] for x in live]


def test_offline_stats_equal_live_stats(synced: Synced, no_network: None) -> None:
    for key, args in STATS_ARGS.items():
        code, out, err = run("stats", *DEMO, "--range", "30h", *args, "-f", "jsonl", "--offline")
        assert code == 0, err
        assert out == synced.live_stats[key]
        assert len(out.splitlines()) > 1


def test_offline_export_writes_the_live_file(
    synced: Synced, tmp_path: Path, no_network: None
) -> None:
    target = tmp_path / "offline.csv"
    code, _, err = run("export", *DEMO, *RANGE, "-o", str(target), "--offline")
    assert code == 0, err
    assert target.stat().st_mode & 0o777 == 0o600
    offline = target.read_text(encoding="utf-8").splitlines()
    live = synced.live_export.splitlines()
    assert offline[0] == live[0]
    assert sorted(offline) == sorted(live)


def test_offline_show_has_records_and_history(synced: Synced, no_network: None) -> None:
    first = json.loads(synced.live_list.splitlines()[0])
    code, out, err = run("show", first["message_id"].upper(), *DEMO, "-f", "jsonl", "--offline")
    assert code == 0, err
    hit = json.loads(out)
    assert hit["profile"] == first["profile"]
    assert hit["records"][0]["submitted_at"] == first["submitted_at"]
    assert [h["status"] for h in hit["history"]] == [first["status"]]
    assert hit["recipients"][0]["recipient"] == first["recipient"]
    code, _, err = run("show", "no-such-id", "--offline", *DEMO)
    assert code == 69
    assert "in the archive" in err


def test_show_relative_gives_ages_instead_of_dates(synced: Synced, no_network: None) -> None:
    first = json.loads(synced.live_list.splitlines()[0])
    args = ("show", first["message_id"], *DEMO, "-f", "table", "--offline", "--relative")
    code, out, err = run(*args)
    assert code == 0, err
    assert re.search(r"submitted\s+(\d+[smhd] ago|just now)", out), out
    assert first["submitted_at"][:10] not in out


def test_uncovered_range_names_what_is_covered(synced: Synced) -> None:
    code, _, err = run("list", "--offline", *DEMO, "--since", "30d", "-n", "1")
    assert code == 0
    lines = err.splitlines()
    # One line per profile; each names the interval its sync covered.
    assert len(lines) == 3
    assert all("covers only" in line and ".." in line for line in lines)
    # A range inside what was synced, or open to now right after a sync: nothing to say.
    for until in (("--until", "2h"), ()):
        code, _, err = run("list", "--offline", *DEMO, *RANGE, *until, "-n", "1")
        assert err == ""


@pytest.fixture
def prod(synced: Synced, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An archive of profiles "prod" (configured, without its token) and "gone"
    (synced once, then removed from the configuration)."""
    archive = tmp_path / "prod.sqlite3"
    with closing(open_reader(synced.archive)) as source:
        found = list(read_records(source, Query(), ["demo-edith"]))
    writer = open_archive(archive, create=True)
    with transaction(writer, archive):
        for name in ("prod", "gone"):
            upsert(writer, [r._replace(profile=name) for r in found], seen_us=1)
    writer.close()
    config = tmp_path / "config.toml"
    config.write_text(
        'default_profile = "prod"\n[profiles.prod]\nprovider = "edith"\n'
        'base_url = "https://edith.example.invalid"\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    monkeypatch.setenv("MAILLOGS_CONFIG", str(config))
    monkeypatch.setenv("MAILLOGS_ARCHIVE", str(archive))
    return archive


COMMANDS = (
    ("list", "--all"),
    ("stats", "--range", "30h"),
    ("export", "-o", "{tmp}/x.jsonl"),
    ("show", "{id}"),
)


def test_offline_needs_no_credentials_and_no_socket(
    prod: Path, tmp_path: Path, no_network: None
) -> None:
    with closing(open_reader(prod)) as conn:
        (message_id,) = conn.execute("SELECT message_id FROM records LIMIT 1").fetchone()
    for command in COMMANDS:
        args = [a.format(tmp=tmp_path, id=message_id) for a in command]
        # The default profile, "prod", has no token: live, that is a configuration error.
        code, out, err = run(*args, "--offline")
        assert code == 0, err
        assert out or command[0] == "export"
    assert run("list")[0] == 78


# Fails the process on any socket use, from Python or C code alike.
AUDITED = """
import sys
def hook(event, args):
    if event.startswith("socket."):
        raise SystemExit(f"socket used: {event}")
sys.addaudithook(hook)
sys.argv = ["maillogs", *sys.argv[1:]]
from maillogs.cli.app import run
run()
"""


def test_offline_opens_no_socket_in_a_real_process(prod: Path, tmp_path: Path) -> None:
    with closing(open_reader(prod)) as conn:
        (message_id,) = conn.execute("SELECT message_id FROM records LIMIT 1").fetchone()
    for command in COMMANDS:
        args = [a.format(tmp=tmp_path, id=message_id) for a in command]
        done = subprocess.run(
            [sys.executable, "-c", AUDITED, *args, "--offline"],
            capture_output=True,
            text=True,
            env=os.environ,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    # The hook does catch a live command's connection.
    live = subprocess.run(
        [sys.executable, "-c", AUDITED, "list", "-p", "prod"],
        capture_output=True,
        text=True,
        env={**os.environ, "MAILLOGS_EDITH_TOKEN": "t", "MAILLOGS_RETRY_SECONDS": "0"},
        check=False,
    )
    assert "socket used" in live.stderr


def test_a_profile_gone_from_the_config_stays_queryable(prod: Path, no_network: None) -> None:
    code, out, err = run("list", "--offline", "-p", "gone", "--all")
    assert code == 0, err
    assert len(out.splitlines()) == len(
        run("list", "--offline", "-p", "prod", "--all")[1].splitlines()
    )
    assert run("list", "-p", "gone")[0] == 78


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("list", "--param", "x=1"), 2, "--param"),
        (("list", "--explain"), 2, "--explain"),
        (("stats", "--source", "native"), 2, "--source native"),
        (("stats", "--param", "x=1"), 2, "--param"),
        (("export", "--since-last", "-o", "x.jsonl"), 2, "--since-last"),
        (("list", "-p", "nobody"), 2, "not in the archive"),
        # As live: Kaleyra and Infobip do not say to, cc or bcc.
        (("list", "--recipient-type", "cc"), 2, "demo-infobip (Infobip), demo-kaleyra (Kaleyra)"),
        (("stats", "--recipient-type", "cc", "-p", "demo-infobip"), 2, "Infobip"),
    ],
)
def test_what_only_a_provider_can_answer_is_a_usage_error(
    synced: Synced, args: tuple[str, ...], code: int, says: str
) -> None:
    got, _, err = run(*args, "--offline")
    assert got == code
    assert says in err
    assert len(err.splitlines()) == 1


def test_missing_and_bad_archives(tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite3"
    code, _, err = run("list", "--offline", "--archive", str(missing))
    assert code == 66
    assert err.splitlines() == [f"maillogs: no archive at {missing}: run `maillogs sync` first"]
    bad = tmp_path / "bad.sqlite3"
    bad.write_text("not a database\n" * 10, encoding="utf-8")
    for command in (["list"], ["stats"], ["show", "x"], ["export", "-o", str(tmp_path / "o")]):
        code, _, err = run(*command, "--offline", "--archive", str(bad))
        assert code == 65
        assert len(err.splitlines()) == 1
        assert str(bad) in err


def test_offline_reads_while_a_writer_holds_a_transaction(synced: Synced) -> None:
    writer = sqlite3.connect(synced.archive, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM records")
        code, out, _ = run("list", "--offline", *DEMO, "-n", "3")
        assert code == 0
        assert len(out.splitlines()) == 3
    finally:
        writer.execute("ROLLBACK")
        writer.close()
