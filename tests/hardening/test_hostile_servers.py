"""Issue 13, items 1, 2, 4, 7 and 11: a hostile or broken server can no longer
hang a command, flood its memory, leak a secret through a cut excerpt, pass a
misconfiguration off as a temporary failure, or be misdescribed when it
redirects. Every server here is a real socket on 127.0.0.1 (``hostile.py``).

The hanging cases run ``python -m maillogs`` in a subprocess with a timeout:
before the deadline existed they ran until killed, and a test in this process
would have hung with them.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.hardening.conftest import (
    ScriptedServer,
    assert_one_line_error,
    clean_environ,
    invoke,
    run_module,
    write_private,
)
from tests.hardening.hostile import (
    SELF_SIGNED_CERT,
    RawServer,
    chunked,
    drip,
    gzip_padded_json,
    head,
)

TOKEN = "tok-0123456789abcdefgh"  # 22 characters, as in the report
EMPTY_PAGE = b'{"emailLogs": [], "nextPageToken": null}'


def edith_config(path: Path, base_url: str, extra: str = "") -> Path:
    return write_private(
        path,
        f'[profiles.x]\nprovider = "edith"\nbase_url = "{base_url}"\ntoken = "{TOKEN}"\n{extra}',
    )


def edith_page() -> bytes:
    created = (datetime.now(UTC) - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    row = {"refId": "r-1", "status": "delivered", "recipientAddress": "a@b.c", "createdAt": created}
    return json.dumps({"emailLogs": [row], "nextPageToken": None}).encode()


# ----------------------------------------------------------------- 13.1 deadline

# Each byte comes well within the 0.5 s read timeout, so only a total deadline
# ends the answer: 3,600 padding bytes at 0.1 s would take six minutes.
SLOW = "timeout = 0.5\nrequest_deadline = 1.5\n"
PAD = "p" * 3600


def slow_headers(server: RawServer, conn: socket.socket) -> None:
    drip(server, conn, head(Content_Length=str(len(EMPTY_PAGE)), X_Pad=PAD), every=0.1)


def slow_body(server: RawServer, conn: socket.socket) -> None:
    body = b" " * 3600 + EMPTY_PAGE  # valid JSON, once it has all come
    server.send(conn, head(Content_Length=str(len(body))))
    drip(server, conn, body, every=0.1)


@pytest.mark.parametrize("drip_in", [slow_headers, slow_body], ids=["headers", "body"])
def test_a_server_dripping_its_answer_is_cut_off_at_the_request_deadline(
    tmp_path: Path, drip_in: Callable[[RawServer, socket.socket], None]
) -> None:
    server = RawServer(lambda conn: drip_in(server, conn))
    with server:
        config = edith_config(tmp_path / "config.toml", server.base_url, SLOW)
        started = time.monotonic()
        outcome = run_module(
            ["list", "--profile", "x"],
            clean_environ(config, MAILLOGS_RETRY_SECONDS="0.5"),
            timeout=60,
        )
        elapsed = time.monotonic() - started
    assert outcome.code == 75, outcome.stderr
    assert_one_line_error(outcome)
    assert "no complete answer within the 1.5 s request deadline" in outcome.stderr
    # One 1.5 s attempt (the 0.5 s budget leaves no time for another), plus start-up.
    assert server.connections == 1
    # The drip alone would take six minutes; 30 s leaves a loaded machine's start-up room.
    assert elapsed < 30


def test_the_deadline_holds_through_a_proxy_too(tmp_path: Path) -> None:
    # A proxy from the environment has its own connection pool in httpx.
    proxy = RawServer(lambda conn: slow_headers(proxy, conn))
    with proxy:
        # Plain http to a non-loopback name must be allowed explicitly (13.6).
        config = edith_config(
            tmp_path / "config.toml", "http://edith.invalid", SLOW + "allow_http = true\n"
        )
        env = clean_environ(config, MAILLOGS_RETRY_SECONDS="0.5", HTTP_PROXY=proxy.base_url)
        outcome = run_module(["list", "--profile", "x"], env, timeout=30)
    assert outcome.code == 75, outcome.stderr
    assert "no complete answer within the 1.5 s request deadline" in outcome.stderr
    assert proxy.connections == 1


def test_a_retry_cannot_run_past_the_retry_budget(tmp_path: Path) -> None:
    server = RawServer(lambda conn: slow_body(server, conn))
    with server:
        config = edith_config(
            tmp_path / "config.toml", server.base_url, "timeout = 0.5\nrequest_deadline = 2\n"
        )
        outcome = run_module(
            ["list", "--profile", "x", "--debug"],
            clean_environ(config, MAILLOGS_RETRY_SECONDS="3"),
            timeout=30,
        )
    assert outcome.code == 75, outcome.stderr
    # The first attempt used 2 of the 3 s: the retry got what was left, not 2 s more.
    assert server.connections == 2
    last = outcome.stderr.splitlines()[-1]
    assert "still failing after 2 attempt(s)" in last
    assert "no complete answer before the 3 s retry budget ran out" in last


def test_a_paced_retry_cannot_run_past_the_retry_budget_either(tmp_path: Path) -> None:
    # At 30 requests a minute the retry waits for its slot until 2 s after the
    # first attempt: its deadline counts from then, so only 1 s of the 3 s
    # budget is left for it, not the whole 2 s request deadline.
    def refuses_then_drips(conn: socket.socket) -> None:
        if server.connections == 1:
            server.send(conn, head("503 Service Unavailable", Content_Length="0"))
        else:
            slow_body(server, conn)

    server = RawServer(refuses_then_drips)
    with server:
        config = edith_config(
            tmp_path / "config.toml",
            server.base_url,
            "timeout = 0.5\nrequest_deadline = 2\nrate_limit_per_minute = 30\n",
        )
        outcome = run_module(
            ["list", "--profile", "x"],
            clean_environ(config, MAILLOGS_RETRY_SECONDS="3"),
            timeout=30,
        )
    assert outcome.code == 75, outcome.stderr
    assert server.connections == 2
    last = outcome.stderr.splitlines()[-1]
    assert "still failing after 2 attempt(s)" in last
    assert "no complete answer before the 3 s retry budget ran out" in last


def test_the_deadline_holds_in_page_worker_threads(tmp_path: Path) -> None:
    # list --all walks Infobip v1's eight 6-hour windows in worker threads; the
    # deadline lives in a context variable, which each thread must set itself.
    body = b" " * 3600 + b'{"results": []}'

    def drips(conn: socket.socket) -> None:
        server.send(conn, head(Content_Length=str(len(body))))
        drip(server, conn, body, every=0.1)

    server = RawServer(drips)
    with server:
        config = write_private(
            tmp_path / "config.toml",
            f'[profiles.i]\nprovider = "infobip"\nbase_url = "{server.base_url}"\n'
            f'api_key = "{TOKEN}"\napi_version = 1\nrate_limit_per_minute = 0\n{SLOW}',
        )
        started = time.monotonic()
        outcome = run_module(
            ["list", "--profile", "i", "--all", "--concurrency", "4"],
            clean_environ(config, MAILLOGS_RETRY_SECONDS="0.5"),
            timeout=60,
        )
        elapsed = time.monotonic() - started
    assert outcome.code == 75, outcome.stderr
    assert_one_line_error(outcome)
    assert "no complete answer within the 1.5 s request deadline" in outcome.stderr
    assert server.connections >= 2  # windows were in flight side by side
    # The drip alone would take six minutes; 30 s leaves a loaded machine's start-up room.
    assert elapsed < 30


def test_a_deadline_hit_is_retried_like_any_transient_failure(tmp_path: Path) -> None:
    def first_drips_then_answers(conn: socket.socket) -> None:
        if server.connections == 1:
            slow_headers(server, conn)
        else:
            server.send(conn, head(Content_Length=str(len(edith_page()))) + edith_page())

    server = RawServer(first_drips_then_answers)
    with server:
        config = edith_config(tmp_path / "config.toml", server.base_url, SLOW)
        outcome = run_module(
            ["list", "--profile", "x"], clean_environ(config, MAILLOGS_RETRY_SECONDS="10")
        )
    assert outcome.code == 0, outcome.stderr
    assert [json.loads(line)["message_id"] for line in outcome.stdout.splitlines()] == ["r-1"]
    assert server.connections == 2


def test_an_export_against_a_dripping_server_ends_and_frees_its_lock(tmp_path: Path) -> None:
    server = RawServer(lambda conn: slow_headers(server, conn))
    with server:
        config = edith_config(tmp_path / "config.toml", server.base_url, SLOW)
        env = clean_environ(config, MAILLOGS_RETRY_SECONDS="0.5")
        args = ["export", "-p", "x", "-o", str(tmp_path / "out.jsonl"), "--since-last"]
        first = run_module(args, env, timeout=30)
        second = run_module(args, env, timeout=30)
    assert first.code == 75, first.stderr
    assert "request deadline" in first.stderr
    # Had the first run hung, the second would have found the lock held.
    assert second.code == 75, second.stderr
    assert "request deadline" in second.stderr


def test_request_deadline_must_be_a_positive_number(tmp_path: Path) -> None:
    config = edith_config(
        tmp_path / "config.toml", "https://edith.example", "request_deadline = 0\n"
    )
    outcome = run_module(["list", "--profile", "x"], clean_environ(config))
    assert outcome.code == 78
    assert_one_line_error(outcome)
    assert "request_deadline must be a positive number of seconds" in outcome.stderr


# ----------------------------------------------------------------- 13.2 size cap

BIG_JSON_PREFIX = b'{"emailLogs": [], "nextPageToken": null, "pad": "'


@pytest.fixture
def one_mb_cap(config_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MAILLOGS_MAX_RESPONSE_MB", "1")
    return config_path


def test_a_gzip_bomb_is_stopped_at_the_cap(one_mb_cap: Path) -> None:
    # 32 MB of valid JSON in ~32 KB of gzip: without a cap, exit 0 after inflating it all.
    bomb = gzip_padded_json(32 * 2**20, prefix=BIG_JSON_PREFIX, suffix=b'"}')
    assert len(bomb) < 64 * 2**10
    server = RawServer(
        lambda conn: server.send(
            conn, head(Content_Encoding="gzip", Content_Length=str(len(bomb))) + bomb
        )
    )
    with server:
        edith_config(one_mb_cap, server.base_url)
        outcome = invoke("list", "--profile", "x")
    assert outcome.code == 65, outcome.output
    assert_one_line_error(outcome)
    assert "sent an answer larger than the 1 MB cap on one response" in outcome.stderr
    assert server.connections == 1  # not retried: the same answer would come again


def test_a_huge_plain_body_is_stopped_at_the_cap(one_mb_cap: Path) -> None:
    body = BIG_JSON_PREFIX + b"a" * (8 * 2**20) + b'"}'
    server = RawServer(lambda conn: server.send(conn, head(Content_Length=str(len(body))) + body))
    with server:
        edith_config(one_mb_cap, server.base_url)
        outcome = invoke("list", "--profile", "x")
    assert outcome.code == 65, outcome.output
    assert "larger than the 1 MB cap" in outcome.stderr


def test_an_endless_chunked_body_is_abandoned_early(one_mb_cap: Path) -> None:
    # "Endless" up to 256 MB, so that a client that reads on still lets the test end.
    def endless(conn: socket.socket) -> None:
        server.send(conn, head(Transfer_Encoding="chunked"))
        pieces = (b"[" * 2**16 for _ in range(4096))
        for framed in chunked(pieces):
            if server.stopping:
                return
            server.send(conn, framed)

    server = RawServer(endless)
    with server:
        edith_config(one_mb_cap, server.base_url)
        outcome = invoke("list", "--profile", "x")
    assert outcome.code == 65, outcome.output
    assert "larger than the 1 MB cap" in outcome.stderr
    # The cap, plus what the kernel's socket buffers took before the client hung up.
    assert server.sent < 24 * 2**20


def test_the_cap_setting_is_checked(config_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edith_config(config_path, "https://edith.example")
    monkeypatch.setenv("MAILLOGS_MAX_RESPONSE_MB", "lots")
    outcome = invoke("list", "--profile", "x")
    assert outcome.code == 78
    assert "MAILLOGS_MAX_RESPONSE_MB='lots' is not a positive number of MB" in outcome.stderr


# ----------------------------------------------------------------- 13.4 redaction


@pytest.mark.parametrize("debug", [False, True], ids=["error line", "--debug traceback"])
def test_a_secret_across_the_excerpt_cut_is_redacted_whole(config_path: Path, debug: bool) -> None:
    # Not JSON, with the token at characters 99-120: a cut at 120 keeps 21 of its 22.
    body = b"x" * 99 + TOKEN.encode() + b" trailing garbage"

    def answer(number: int, path: str) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "application/json"}, body

    with ScriptedServer(answer) as server:
        edith_config(config_path, server.base_url)
        outcome = invoke("list", "--profile", "x", *(["--debug"] if debug else []))
    assert outcome.code == 65, outcome.output
    assert "not valid JSON" in outcome.stderr
    assert "****" in outcome.stderr
    shown = [TOKEN[:n] for n in range(8, len(TOKEN) + 1) if TOKEN[:n] in outcome.output]
    assert shown == []


# ----------------------------------------------------------------- 13.7 permanent errors


def test_an_untrusted_certificate_is_exit_69_at_once(config_path: Path) -> None:
    server = RawServer(lambda conn: None, tls=True)
    with server:
        edith_config(config_path, server.base_url)
        outcome = invoke("list", "--profile", "x")
    assert outcome.code == 69, outcome.output
    assert_one_line_error(outcome)
    assert "certificate verify failed: self-signed certificate" in outcome.stderr
    assert server.connections == 1


def test_the_same_certificate_once_trusted_is_used(tmp_path: Path) -> None:
    # The control for the test above: the server works; only trust was missing.
    def answer(conn: socket.socket) -> None:
        server.send(conn, head(Content_Length=str(len(edith_page()))) + edith_page())

    server = RawServer(answer, tls=True)
    with server:
        config = edith_config(tmp_path / "config.toml", server.base_url)
        outcome = run_module(
            ["list", "--profile", "x"], clean_environ(config, SSL_CERT_FILE=str(SELF_SIGNED_CERT))
        )
    assert outcome.code == 0, outcome.stderr
    assert len(outcome.stdout.splitlines()) == 1


def test_an_unknown_host_is_exit_69_at_once(config_path: Path) -> None:
    # RFC 6761: .invalid never resolves, and resolvers answer so at once.
    edith_config(config_path, "https://maillogs-no-such-host.invalid")
    started = time.monotonic()
    outcome = invoke("list", "--profile", "x", "--debug")
    assert outcome.code == 69, outcome.output
    assert "unknown host" in outcome.stderr.splitlines()[-1]
    assert "maillogs-no-such-host.invalid" in outcome.stderr.splitlines()[-1]
    assert "retrying in" not in outcome.stderr
    # No retry (checked above) and no long wait; a slow resolver may take seconds.
    assert time.monotonic() - started < 30


# ----------------------------------------------------------------- 13.11 redirects


def test_a_redirect_to_another_port_says_so(config_path: Path) -> None:
    def elsewhere(number: int, path: str) -> tuple[int, dict[str, str], bytes]:
        return 200, {}, EMPTY_PAGE

    with ScriptedServer(elsewhere) as other:
        port = other.base_url.rsplit(":", 1)[1]

        def redirect(number: int, path: str) -> tuple[int, dict[str, str], bytes]:
            return 302, {"Location": f"{other.base_url}{path}"}, b""

        with ScriptedServer(redirect) as origin:
            edith_config(config_path, origin.base_url)
            outcome = invoke("list", "--profile", "x")
    assert outcome.code == 69, outcome.output
    assert_one_line_error(outcome)
    assert f"redirected to another port ({port})" in outcome.stderr
    assert "another host" not in outcome.stderr
    assert other.seen == []


def test_a_body_that_does_not_inflate_is_bad_data(config_path: Path) -> None:
    # Said to be gzip, but is not: was an internal error (exit 70).
    body = b"\x1f\x8b\x08\x00garbage, not deflate data" * 4
    server = RawServer(
        lambda conn: server.send(
            conn, head(Content_Encoding="gzip", Content_Length=str(len(body))) + body
        )
    )
    with server:
        edith_config(config_path, server.base_url)
        outcome = invoke("list", "--profile", "x")
    assert outcome.code == 65, outcome.output
    assert_one_line_error(outcome)
    assert "sent a body that cannot be decompressed" in outcome.stderr
