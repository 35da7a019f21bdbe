"""Promise 4: bad command-line input is a one-line usage error, never a traceback.

Every option of ``list`` (and of ``export``, ``stats``, ``show`` and ``profiles``)
is fuzzed in process with hypothesis against the built-in demo profiles, so no
network is used; ``--explain`` keeps ``list`` from fetching where the option is
decided before any request. Accepted outcomes: 0 (the value was valid), 2 (a
usage error), and 78 only for profile names that do not exist — an unknown
profile is a configuration problem (``profiles add`` fixes it), as everywhere
else in maillogs.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maillogs.core.models import RECORD_FIELDS
from maillogs.core.statuses import STATUS_ALIASES, Status
from maillogs.render import FORMATS
from tests.hardening.conftest import Outcome, assert_one_line_error, invoke

HARDENING = settings.get_profile("hardening")
EXAMPLES = 50

# Real argv cannot hold NUL; everything else (controls, RTL marks, emoji) may come in,
# and bytes that are not UTF-8 arrive as lone surrogates (Python's surrogateescape).
hostile_text = st.text(
    alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=()),
    max_size=40,
)
huge_numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 2**63, 2**64 + 1, 10**400]),
).map(str)
nasty_constants = st.sampled_from(
    [
        "",
        " ",
        ",",
        ",,,",
        "..",
        "\t",
        "\n",
        "\x1b[31m",
        "[bold]x[/bold]",
        '=HYPERLINK("http://x")',
        "-1",
        "nan",
        "inf",
        "1e999",
        "é",
        "\u202e",
        "💥",
        "\udcff\udcfe",
        "a" * 5000,
        "--help",
        "--version",
    ]
)
durations = st.builds(
    lambda n, unit: f"{n}{unit}",
    st.integers(min_value=0, max_value=10**7),
    st.sampled_from(["s", "m", "min", "h", "d", "w", "y", "", "H", "D"]),
)
dates = st.one_of(
    st.dates().map(str),
    st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat()),
    st.builds(
        lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
        st.integers(0, 9999),
        st.integers(0, 13),
        st.integers(0, 32),
    ),
    st.sampled_from(
        [
            "0001-01-01",
            "9999-12-31",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
            "today",
            "yesterday",
            "now",
            "TODAY",
            "2024-02-30",
            "2024-01-01T25:00",
        ]
    ),
)
instants = st.one_of(dates, durations, hostile_text, nasty_constants, huge_numbers)
ranges = st.one_of(
    instants,
    st.builds(lambda a, b: f"{a}..{b}", st.one_of(dates, durations, st.just("")), instants),
)
status_words = st.sampled_from([*(s.value for s in Status), *STATUS_ALIASES, "BOUNCED", "Spam"])
statuses = st.one_of(
    st.lists(st.one_of(status_words, hostile_text), max_size=4).map(",".join),
    nasty_constants,
)
columns = st.one_of(
    st.lists(
        st.one_of(st.sampled_from([*RECORD_FIELDS, "raw", "RECIPIENT", " status "]), hostile_text),
        max_size=5,
    ).map(",".join),
    nasty_constants,
)
formats = st.one_of(st.sampled_from([*FORMATS, "JSON", " csv ", "xml", "table2"]), hostile_text)
addresses = st.one_of(
    st.emails(),
    st.builds(lambda d: "@" + d, st.sampled_from(["example.com", "", "@", "ÿ.example"])),
    hostile_text,
    nasty_constants,
)
params = st.one_of(
    st.builds(lambda k, v: f"{k}={v}", hostile_text, hostile_text), hostile_text, nasty_constants
)
zones = st.one_of(
    st.sampled_from(
        ["UTC", "Europe/Rome", "Asia/Kolkata", "America", "../etc/passwd", "Etc/GMT+14"]
    ),
    hostile_text,
    nasty_constants,
)
profiles = st.one_of(
    st.sampled_from(["demo", "demo-edith", "demo,demo-kaleyra", "DEMO", "demo-", "nope"]),
    hostile_text,
    nasty_constants,
)

# (option, strategy) for ``list``; the command line also selects demo-edith (which
# supports every filter) unless the option under test is --profile itself.
LIST_OPTIONS = [
    ("--status", statuses),
    ("--from", addresses),
    ("--to", addresses),
    ("--since", instants),
    ("--until", instants),
    ("--range", ranges),
    ("--recipient-type", st.one_of(st.sampled_from(["to", "CC", "bcc ", "x"]), hostile_text)),
    ("--message-id", st.one_of(hostile_text, nasty_constants)),
    ("--param", params),
    ("--tz", zones),
    ("--limit", st.one_of(huge_numbers, hostile_text)),
    ("--format", formats),
    ("--columns", columns),
    ("--concurrency", st.one_of(huge_numbers, hostile_text)),
    ("--profile", profiles),
]


def _check(outcome: Outcome, *, allowed: frozenset[int]) -> None:
    assert outcome.code in allowed, (outcome.code, outcome.output[-2000:])
    assert "Traceback" not in outcome.output
    if outcome.code != 0:
        assert_one_line_error(outcome)


def _is_profile_problem(outcome: Outcome) -> bool:
    return outcome.code == 78 and "unknown profile" in outcome.stderr


@pytest.mark.parametrize(("option", "strategy"), LIST_OPTIONS, ids=[o for o, _ in LIST_OPTIONS])
def test_list_option_fuzz(option: str, strategy: st.SearchStrategy[str]) -> None:
    @settings(HARDENING, max_examples=EXAMPLES)
    @given(value=strategy)
    def check(value: str) -> None:
        profile = [] if option == "--profile" else ["--profile", "demo-edith"]
        outcome = invoke("list", *profile, "--explain", f"{option}={value}")
        if option == "--profile" and _is_profile_problem(outcome):
            assert_one_line_error(outcome)
            return
        _check(outcome, allowed=frozenset({0, 2}))

    check()


@settings(HARDENING, max_examples=EXAMPLES)
@given(
    status=statuses,
    since=instants,
    until=instants,
    recipient=addresses,
    fmt=formats,
    cols=columns,
)
def test_list_option_combinations_fuzz(
    status: str, since: str, until: str, recipient: str, fmt: str, cols: str
) -> None:
    outcome = invoke(
        "list",
        "--profile",
        "demo",
        "--explain",
        f"--status={status}",
        f"--since={since}",
        f"--until={until}",
        f"--to={recipient}",
        f"--format={fmt}",
        f"--columns={cols}",
    )
    _check(outcome, allowed=frozenset({0, 2}))


@settings(HARDENING, max_examples=40)
@given(fmt=formats, cols=columns, limit=st.integers(min_value=-3, max_value=3).map(str))
def test_list_fetching_with_fuzzed_output_options(fmt: str, cols: str, limit: str) -> None:
    # Without --explain: the fuzzed output options meet real (demo) records.
    outcome = invoke(
        "list",
        "--profile",
        "demo-kaleyra",
        f"--limit={limit}",
        f"--format={fmt}",
        f"--columns={cols}",
    )
    _check(outcome, allowed=frozenset({0, 2}))


@pytest.mark.parametrize(
    "flag",
    ["--raw --format table", "--all --limit 0", "--range 7d --since 1d", "--recipient-type cc"],
)
def test_conflicting_flags_are_usage_errors(flag: str) -> None:
    # recipient-type: demo-kaleyra cannot filter on it, which must be said, not ignored.
    outcome = invoke("list", "--profile", "demo-kaleyra", *flag.split())
    _check(outcome, allowed=frozenset({2}))


@pytest.mark.parametrize(
    "group", [[], ["profiles"], ["sandbox"]], ids=["maillogs", "profiles", "sandbox"]
)
def test_a_group_without_a_command_shows_its_help_on_stderr(group: list[str]) -> None:
    outcome = invoke(*group)
    assert outcome.code == 2 and outcome.stdout == ""
    lines = outcome.stderr.splitlines()
    assert lines[0] == f"Usage: maillogs {' '.join([*group, ''])}[OPTIONS] COMMAND [ARGS]..."
    assert "Commands:" in lines  # the help as written, not squashed into one line


@pytest.mark.parametrize(
    "target", ["existing-dir", "file-as-parent/out.csv", "fifo", "link-to-fifo"]
)
def test_unwritable_output_is_exit_73(tmp_path: Path, target: str) -> None:
    # A FIFO stands in for /dev/null or /dev/stdout: renaming over a device as root
    # would destroy it, so the test never points --output at a real one.
    (tmp_path / "existing-dir").mkdir()
    (tmp_path / "file-as-parent").write_text("x")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "link-to-fifo").symlink_to(tmp_path / "fifo")
    outcome = invoke(
        "list", "--profile", "demo-kaleyra", "--limit", "2", "--output", str(tmp_path / target)
    )
    _check(outcome, allowed=frozenset({73}))
    assert stat.S_ISFIFO((tmp_path / "fifo").lstat().st_mode)
    assert (tmp_path / "link-to-fifo").is_symlink()


def test_output_through_a_symlink_replaces_the_file_it_names(tmp_path: Path) -> None:
    real = tmp_path / "real.jsonl"
    real.write_text("old\n")
    (tmp_path / "link.jsonl").symlink_to(real)
    outcome = invoke(
        "list", "--profile", "demo-kaleyra", "--limit", "2", "-o", str(tmp_path / "link.jsonl")
    )
    _check(outcome, allowed=frozenset({0}))
    assert (tmp_path / "link.jsonl").is_symlink()
    assert len(real.read_text().splitlines()) == 2


def test_missing_output_directories_are_created(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "out.jsonl"
    outcome = invoke("list", "--profile", "demo-kaleyra", "--limit", "2", "-o", str(out))
    _check(outcome, allowed=frozenset({0}))
    assert len(out.read_text().splitlines()) == 2


OTHER_COMMANDS = [
    ("export", ["--profile", "demo-edith", "--output", "{tmp}/x.jsonl"]),
    ("stats", ["--profile", "demo-edith", "--format", "json"]),
    ("show", ["--profile", "demo-edith", "--format", "json", "01NOSUCHID"]),
]
OTHER_OPTIONS = {
    "export": [
        ("--since", instants),
        ("--status", statuses),
        ("--lookback", st.one_of(durations, hostile_text, nasty_constants)),
        ("--state", st.one_of(hostile_text, nasty_constants)),
        ("--format", formats),
    ],
    "stats": [
        ("--by", st.one_of(st.sampled_from(["day", "HOUR", "status", "x"]), hostile_text)),
        ("--source", st.one_of(st.sampled_from(["auto", "logs", "native"]), hostile_text)),
        ("--range", ranges),
        ("--tz", zones),
        ("--format", formats),
    ],
    "show": [("--tz", zones), ("--format", formats)],
}


@pytest.mark.parametrize(
    ("command", "option", "strategy"),
    [(c, o, s) for c, _ in OTHER_COMMANDS for o, s in OTHER_OPTIONS[c]],
    ids=[f"{c}{o}" for c, _ in OTHER_COMMANDS for o, _ in OTHER_OPTIONS[c]],
)
def test_other_command_option_fuzz(
    tmp_path: Path, command: str, option: str, strategy: st.SearchStrategy[str]
) -> None:
    base = [arg.replace("{tmp}", str(tmp_path)) for arg in dict(OTHER_COMMANDS)[command]]
    # show exits 69 for an id nobody knows: that is its documented answer.
    allowed = frozenset({0, 2, 69}) if command == "show" else frozenset({0, 2})

    @settings(HARDENING, max_examples=25)
    @given(value=strategy)
    def check(value: str) -> None:
        outcome = invoke(command, *base, f"{option}={value}")
        _check(outcome, allowed=allowed)

    check()


@settings(HARDENING, max_examples=EXAMPLES)
@given(name=st.one_of(profiles, hostile_text))
def test_profiles_show_and_remove_fuzz(config_path: Path, name: str) -> None:
    for args in (["profiles", "show", name], ["profiles", "remove", name, "--yes"]):
        outcome = invoke(*args)
        assert outcome.code in (0, 2, 78), outcome.output
        assert "Traceback" not in outcome.output
        if outcome.code:
            assert_one_line_error(outcome)


@settings(HARDENING, max_examples=EXAMPLES)
@given(
    name=st.one_of(hostile_text, st.sampled_from(["ok-name", "demo-x", "a" * 65])),
    provider=st.one_of(st.sampled_from(["kaleyra", "EDITH", "infobip", "mailgun"]), hostile_text),
    base_url=st.one_of(
        st.sampled_from(["https://x.example", "http://u:p@h", "ftp://x", "https://h/?q=1"]),
        hostile_text,
    ),
    secret=st.one_of(hostile_text, nasty_constants),
)
def test_profiles_add_fuzz(
    config_path: Path, name: str, provider: str, base_url: str, secret: str
) -> None:
    outcome = invoke(
        "profiles",
        "add",
        name,
        f"--provider={provider}",
        f"--base-url={base_url}",
        f"--sid={secret}",
        f"--api-key={secret}",
        f"--token={secret}",
        "--force",
    )
    # A usage error (2) for bad flags, 78 when the values make an invalid profile.
    assert outcome.code in (0, 2, 78), outcome.output
    assert "Traceback" not in outcome.output
    if outcome.code:
        assert_one_line_error(outcome)
