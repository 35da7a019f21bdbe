"""The shipped examples work: the cron wrapper's retries and the sample config."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from maillogs.profiles.resolve import resolve_profiles

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

FAKE_MAILLOGS = """#!/usr/bin/env bash
# Fails with exit {code} {failures} time(s), then succeeds; logs its arguments.
echo "$*" >> "{calls}"
if [ "$(wc -l < "{calls}")" -le {failures} ]; then
    echo "maillogs: profile 'prod': still failing after 6 attempt(s)" >&2
    exit {code}
fi
"""


def run_wrapper(
    tmp_path: Path, *, code: int, failures: int
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    calls = tmp_path / "calls"
    fake = tmp_path / "maillogs"
    fake.write_text(FAKE_MAILLOGS.format(code=code, failures=failures, calls=calls))
    fake.chmod(0o755)
    env = {
        **os.environ,
        "MAILLOGS_BIN": str(fake),
        "MAILLOGS_EXPORT_DIR": str(tmp_path / "archive"),
        "MAILLOGS_EXPORT_PROFILES": "prod",
        "MAILLOGS_EXPORT_ATTEMPTS": "3",
        "MAILLOGS_EXPORT_BACKOFF": "0",
    }
    result = subprocess.run(
        [str(EXAMPLES / "cron-export.sh")], env=env, capture_output=True, text=True, check=False
    )
    return result, calls.read_text().splitlines()


def test_cron_wrapper_retries_temporary_failures_silently(tmp_path: Path) -> None:
    result, calls = run_wrapper(tmp_path, code=75, failures=2)

    assert result.returncode == 0
    assert result.stdout == result.stderr == ""
    assert len(calls) == 3
    # Every attempt writes the same dated file, so a retry never leaves two.
    assert len(set(calls)) == 1
    assert "export --since-last --state nightly --format jsonl --output" in calls[0]
    assert "--profile prod" in calls[0]
    log = (tmp_path / "archive" / "failures.log").read_text().splitlines()
    assert len(log) == 2
    assert "exit 75" in log[0]


def test_cron_wrapper_deletes_temporary_files_killed_runs_left_a_day_ago(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    stale = archive / ".maillogs-2024-05-01T021500Z.jsonl.k3j2h1.tmp"
    fresh = archive / ".maillogs-2024-05-02T021500Z.jsonl.a1b2c3.tmp"
    kept = archive / "maillogs-2024-05-01T021500Z.jsonl"
    for path in (stale, fresh, kept):
        path.write_text("{}\n")
    two_days_ago = time.time() - 2 * 86_400
    os.utime(stale, (two_days_ago, two_days_ago))
    os.utime(kept, (two_days_ago, two_days_ago))

    result, _calls = run_wrapper(tmp_path, code=0, failures=0)

    assert result.returncode == 0
    # Nothing writes a dated name twice, so maillogs itself would never clean these.
    assert not stale.exists()
    assert fresh.exists() and kept.exists()


def test_cron_wrapper_reports_a_lasting_failure_once(tmp_path: Path) -> None:
    result, calls = run_wrapper(tmp_path, code=75, failures=5)

    assert result.returncode == 75
    assert len(calls) == 3
    assert "failed (exit 75) after 3 attempt(s)" in result.stderr
    assert "still failing" in result.stderr


def test_cron_wrapper_does_not_retry_permanent_failures(tmp_path: Path) -> None:
    result, calls = run_wrapper(tmp_path, code=77, failures=5)

    assert result.returncode == 77
    assert len(calls) == 1


def test_sample_config_takes_its_secrets_from_the_environment() -> None:
    env = {
        "MAILLOGS_PROD_KALEYRA_SID": "HXAP-SID",
        "MAILLOGS_PROD_KALEYRA_API_KEY": "kaleyra-secret-key",
        "MAILLOGS_PROD_EDITH_TOKEN": "edith-secret-token",
        "MAILLOGS_PROD_INFOBIP_API_KEY": "infobip-secret-key",
    }
    profiles = resolve_profiles(
        None, env=env, path=EXAMPLES / "config.toml", warn=lambda _message: None
    )

    by_name = {profile.name: profile for profile in profiles}
    assert set(by_name) == {"prod-kaleyra", "prod-edith", "prod-infobip"}
    assert by_name["prod-kaleyra"].settings["api_key"] == "kaleyra-secret-key"
    assert by_name["prod-edith"].settings["token"] == "edith-secret-token"
    assert by_name["prod-infobip"].settings["api_key"] == "infobip-secret-key"
    assert by_name["prod-infobip"].base_url == "https://xyz123.api.infobip.com"
