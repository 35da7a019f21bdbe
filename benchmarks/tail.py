"""Benchmarks of ``maillogs tail`` (run by hand, not by CI).

    uv run python benchmarks/tail.py                 # both sections, ~5 minutes
    uv run python benchmarks/tail.py --only latency  # or: --only memory

latency: ``maillogs sandbox serve --live 2`` on loopback and ``maillogs tail
--interval 2s --format jsonl`` over its three providers, as a user runs them,
for 40 s. For each record printed on its first appearance, the delay from its
creation at the sandbox (``submitted_at``) to the moment its line was read
from tail's stdout. Target: at most --interval + 1 s, plus the sandbox's own
indexing lag (a record becomes visible up to 1 / rate = 0.5 s after it is
created). Kaleyra and EDITH stamp whole seconds (up to 1 s early), so their
delays read up to 1 s long; Infobip's are to the millisecond.

memory: peak RSS of a follower (the real one, in process, over the in-process
sandbox) at 50 records a second on a simulated clock: a 1-minute and a
1-hour tail of Infobip v4, default overlap (10 minutes), interval 60 s (the
interval changes how often the window is re-read, not what one poll holds).
Each runs in a fresh process. Target: 1 hour <= 1.25 x 1 minute.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAILLOGS = (sys.executable, "-m", "maillogs")
LIVE_RATE = 2.0
INTERVAL_S = 2.0
FOLLOW_S = 40.0
MEMORY_RATE = 50.0
INTERVAL_SIM_S = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def latency() -> dict[str, float]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILLOGS_")}
    env["MAILLOGS_KALEYRA_TIMEZONE"] = "UTC"
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "config.toml"
        server = subprocess.Popen(
            [*MAILLOGS, "sandbox", "serve", "--port", str(port), "--live", str(LIVE_RATE)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        try:
            assert server.stdout is not None
            snippet = b""
            while snippet.count(b"[profiles.") < 3 or not snippet.endswith(b"= 0\n"):
                snippet += server.stdout.readline()
            config.write_bytes(snippet)
            config.chmod(0o600)
            env["MAILLOGS_CONFIG"] = str(config)
            profiles = "sandbox-kaleyra,sandbox-edith,sandbox-infobip"
            timing = ("--interval", f"{INTERVAL_S:g}s", "--timeout", f"{FOLLOW_S:g}s")
            tail = subprocess.Popen(
                [*MAILLOGS, "tail", "-p", profiles, "--lines", "0", *timing, "--format", "jsonl"],
                stdout=subprocess.PIPE,
                env=env,
                text=True,
            )
            assert tail.stdout is not None
            # Records created before tail read its first window are not arrivals
            # (their status changes are printed, but late by design): count
            # those created a second after the first line (tail is running then).
            began: float | None = None
            delays: dict[str, list[float]] = {}
            seen: set[tuple[str, str, str]] = set()
            for line in tail.stdout:
                read_at = time.time()
                began = began or read_at + 1.0
                record = json.loads(line)
                key = (record["provider"], record["message_id"], record["recipient"])
                if key in seen:
                    continue  # a status change: its time is the change's, not an arrival's
                seen.add(key)
                submitted = datetime.fromisoformat(record["submitted_at"].replace("Z", "+00:00"))
                if submitted.timestamp() < began:
                    continue
                delays.setdefault(record["provider"], []).append(
                    read_at - submitted.astimezone(UTC).timestamp()
                )
            tail.wait()
        finally:
            server.terminate()
            server.wait()
    results = {}
    for provider, values in sorted(delays.items()):
        results[f"{provider} records"] = len(values)
        results[f"{provider} median s"] = round(statistics.median(values), 2)
        results[f"{provider} max s"] = round(max(values), 2)
    return results


def simulate(seconds: float) -> None:
    """In this (fresh) process: follow for ``seconds`` of simulated time; print peak RSS."""
    from tests.support import make_profile

    from maillogs.core.query import Query
    from maillogs.engine import open_adapters
    from maillogs.follow import Follower, FollowSettings
    from maillogs.providers.infobip.spec import DEMO_API_KEY
    from maillogs.sandbox import Emulator, EmulatorConfig, EmulatorTransport

    now = [1_800_000_000.0]

    def clock() -> float:
        return now[0]

    def sleep(delay: float) -> None:
        now[0] += max(0.0, delay)

    emulator = Emulator(EmulatorConfig(records=20, live=MEMORY_RATE, clock=clock))
    transport = EmulatorTransport(emulator, sleep=sleep)
    profile = make_profile(
        "infobip", base_url="http://sandbox.invalid", settings={"api_key": DEMO_API_KEY}
    )
    printed = 0

    def emit(_record: object) -> None:
        nonlocal printed
        printed += 1

    settings = FollowSettings(interval=INTERVAL_SIM_S, lines=0, timeout=seconds)
    started = time.process_time()
    with open_adapters(
        [profile], transport_factory=lambda _: transport, clock=clock, sleep=sleep
    ) as adapters:
        follower = Follower(
            adapters,
            Query(),
            settings,
            emit=emit,
            warn=lambda _: None,
            clock=clock,
            sleep=sleep,
            wall=lambda: datetime.fromtimestamp(now[0], UTC),
        )
        follower.run()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "simulated_s": seconds,
                "printed": printed,
                "polls": follower.polls,
                "keys_held": len(follower.repeats),
                "cpu_s": round(time.process_time() - started, 1),
                "peak_rss_mb": round(peak, 1),
            }
        )
    )


def memory() -> dict[str, float]:
    runs = {}
    for label, seconds in (("1 minute", 60.0), ("1 hour", 3600.0)):
        done = subprocess.run(
            [sys.executable, __file__, "--simulate", str(seconds)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        runs[label] = json.loads(done.stdout)
        print(f"  {label}: {runs[label]}", flush=True)
    ratio = runs["1 hour"]["peak_rss_mb"] / runs["1 minute"]["peak_rss_mb"]
    return {
        "1 minute peak RSS MB": runs["1 minute"]["peak_rss_mb"],
        "1 hour peak RSS MB": runs["1 hour"]["peak_rss_mb"],
        "ratio (target <= 1.25)": round(ratio, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("latency", "memory"))
    parser.add_argument("--simulate", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.simulate is not None:
        sys.path.insert(0, str(ROOT))
        simulate(args.simulate)
        return 0
    if args.only in (None, "latency"):
        print(f"latency (--live {LIVE_RATE:g}, --interval {INTERVAL_S:g}s, {FOLLOW_S:g} s):")
        for name, value in latency().items():
            print(f"  {name}: {value}")
    if args.only in (None, "memory"):
        print(f"memory ({MEMORY_RATE:g} records/s, simulated clock):")
        for name, value in memory().items():
            print(f"  {name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
