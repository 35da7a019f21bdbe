"""``export --since-last`` never silently replaces a file an earlier run committed."""

from __future__ import annotations

from pathlib import Path

from tests.ux.conftest import run

EXPORT = ("export", "-p", "demo-edith", "--since-last", "--since", "1h")


def test_a_second_run_into_the_same_file_is_refused_in_one_line(tmp_path: Path) -> None:
    assert run(*EXPORT, "-o", "mail.csv")[0] == 0
    first = (tmp_path / "mail.csv").read_bytes()

    code, out, err = run(*EXPORT, "-o", "mail.csv")

    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "mail.csv holds the records of an earlier run of state 'default'" in err
    assert "--overwrite" in err and "$(date +%F)" in err
    assert (tmp_path / "mail.csv").read_bytes() == first


def test_overwrite_a_new_name_or_another_state_are_allowed(tmp_path: Path) -> None:
    assert run(*EXPORT, "-o", "mail.csv")[0] == 0
    assert run(*EXPORT, "-o", "mail-2.csv")[0] == 0
    assert run(*EXPORT, "--state", "other", "-o", "mail.csv")[0] == 0
    assert run(*EXPORT, "-o", "mail.csv", "--overwrite")[0] == 0
    # A file the job moved away is written again without fuss.
    (tmp_path / "mail.csv").rename(tmp_path / "archived.csv")
    assert run(*EXPORT, "-o", "mail.csv")[0] == 0


def test_overwrite_without_since_last_is_a_usage_error() -> None:
    code, _, err = run("export", "-p", "demo-edith", "-o", "x.csv", "--overwrite")
    assert code == 2
    assert "--overwrite only applies with --since-last" in err
