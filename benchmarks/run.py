"""maillogs benchmarks: start-up, concurrent paging, throughput, memory, archive, offline.

    uv run python benchmarks/run.py [--quick] [--only SECTIONS]

SECTIONS: comma-separated, of startup,paging,latency,throughput,cpu,memory,archive,
offline,arrivals.

Starts its own ``maillogs sandbox serve`` processes on free loopback ports,
runs the installed ``maillogs`` console script as a user would (a fresh
process per measurement, so every time includes interpreter start-up), prints
a table and writes ``benchmarks/results/latest.json``. See README.md beside
this file for what each number means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import plain_loop

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "latest.json"
BIN = Path(sys.executable).parent
# Another build's console script may be measured against this sandbox (before/after).
MAILLOGS = os.environ.get("MAILLOGS_BENCH_BIN") or str(BIN / "maillogs")
PROVIDERS = ("kaleyra", "edith", "infobip")
KALEYRA_PAGE = 100
# The sandbox spreads EDITH's records over 10 days; a day more covers them all.
EDITH_DAYS = 11
# Rows per request at the documented maximum page sizes (Infobip: v4).
PAGE_ROWS = {"kaleyra": KALEYRA_PAGE, "edith": 50, "infobip": 1000}
# The latency section: records per provider, milliseconds per request, and the
# concurrency every walk gets by default (maillogs.core.defaults).
LATENCY_RECORDS = 20_000
LATENCY_MS = 100
DEFAULT_CONCURRENCY = 8
# The cpu section's small run: its CPU is the fixed cost (start-up, first request).
CPU_SMALL_LIMIT = 10
# The arrivals section: records per provider, and runs per provider.
ARRIVAL_RECORDS = 3000
ARRIVAL_RUNS = 3


@dataclass(frozen=True)
class Sizes:
    """How much work each measurement does (``--quick`` shrinks it)."""

    startup_runs: int
    paging_records: int
    paging_latency_ms: float
    paging_concurrency: int
    throughput_records: int
    memory_small: int
    memory_large: int
    # Providers measured at memory_large (the others only at memory_small).
    memory_providers: tuple[str, ...]


FULL = Sizes(
    startup_runs=30,
    paging_records=20_000,
    paging_latency_ms=50,
    paging_concurrency=8,
    throughput_records=50_000,
    memory_small=10_000,
    memory_large=1_000_000,
    memory_providers=PROVIDERS,
)
QUICK = Sizes(
    startup_runs=10,
    paging_records=20_000,
    paging_latency_ms=50,
    paging_concurrency=8,
    throughput_records=20_000,
    memory_small=10_000,
    memory_large=100_000,
    memory_providers=("kaleyra",),
)


@dataclass
class Row:
    """One line of the results table."""

    metric: str
    target: str
    measured: str
    ok: bool | None  # None: informational, no target
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Run:
    seconds: float
    # user + system CPU of the process: what maillogs itself costs, whatever
    # else (the sandbox, other jobs) competes for the machine's cores.
    cpu_seconds: float
    peak_rss_mb: float


# Runs argv[1:] with stdout discarded and prints its wall time, CPU time and
# peak RSS as JSON. Measurements go through this small launcher because Linux
# carries the RSS high-water mark of a process through fork + exec into the
# child's ru_maxrss: forked from this (large) benchmark process, maillogs would
# report at least our own RSS.
LAUNCHER = """
import json, os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(json.dumps({
    "seconds": time.perf_counter() - started,
    "cpu_seconds": usage.ru_utime + usage.ru_stime,
    "peak_rss_mb": usage.ru_maxrss / 1024,
    "code": os.waitstatus_to_exitcode(status),
}))
"""


def measure(cmd: Sequence[str], env: dict[str, str] | None = None) -> Run:
    """Run ``cmd`` to completion: its wall time, CPU time and its own peak RSS."""
    result = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *cmd], env=env, capture_output=True, text=True, check=False
    )
    report = json.loads(result.stdout)
    if report.pop("code") != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {result.stderr}")
    return Run(**report)


def medians(
    cmd: Sequence[str], runs: int, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Median wall and median CPU seconds of ``runs`` runs (after one warm-up)."""
    measure(cmd, env)  # warm the OS file cache
    results = [measure(cmd, env) for _ in range(runs)]
    return (
        statistics.median(r.seconds for r in results),
        statistics.median(r.cpu_seconds for r in results),
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def sandbox(records: int, latency_ms: float = 0) -> Iterator[str]:
    """A ``maillogs sandbox serve`` process; yields its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [
            MAILLOGS,
            "sandbox",
            "serve",
            "--port",
            str(port),
            "--records",
            str(records),
            "--latency",
            str(latency_ms),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the sandbox server did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait()


class Bench:
    """Shared state: a scratch directory, a config file per sandbox, the rows."""

    def __init__(self, sizes: Sizes, scratch: Path) -> None:
        self.sizes = sizes
        self.scratch = scratch
        self.rows: list[Row] = []
        # maillogs' records/s per provider, for the comparisons that follow.
        self.rates: dict[str, float] = {}
        # Other jobs on the machine inflate wall times; the report shows it.
        self.load = os.getloadavg()

    def env_for(self, base_url: str) -> dict[str, str]:
        """Environment pointing ``maillogs`` at profiles on ``base_url``.

        The client-side rate limit is off: Infobip's documented 120 requests a
        minute would otherwise pace the walk, and the sandbox has no limit.
        """
        config = self.scratch / f"config-{base_url.rsplit(':', 1)[1]}.toml"
        lines = []
        for provider, extra in (
            ("kaleyra", 'sid = "DEMO-SID"\napi_key = "demo-kaleyra-key"'),
            ("edith", 'token = "demo-edith-token"'),
            ("infobip", 'api_key = "demo-infobip-key"\napi_version = 4'),
        ):
            lines.append(
                f'[profiles.sandbox-{provider}]\nprovider = "{provider}"\n'
                f'base_url = "{base_url}"\n{extra}\nrate_limit_per_minute = 0\n'
            )
        config.write_text("\n".join(lines), encoding="utf-8")
        config.chmod(0o600)
        return {
            **os.environ,
            "MAILLOGS_CONFIG": str(config),
            "MAILLOGS_STATE_DIR": str(self.scratch / "state"),
            "NO_COLOR": "1",
        }

    def list_cmd(self, provider: str, output: Path, *extra: str) -> list[str]:
        return [
            MAILLOGS,
            "list",
            "--profile",
            f"sandbox-{provider}",
            "--all",
            "--format",
            "jsonl",
            "--output",
            str(output),
            *extra,
        ]

    def export_cmd(self, provider: str, output: Path) -> list[str]:
        """``maillogs export`` of every record the sandbox holds for ``provider``
        (Infobip clips the range to its 48 hours, with a warning)."""
        return [
            MAILLOGS,
            "export",
            "--profile",
            f"sandbox-{provider}",
            "--since",
            f"{EDITH_DAYS}d",
            "--output",
            str(output),
        ]

    def add(self, row: Row) -> None:
        self.rows.append(row)
        mark = {True: "pass", False: "FAIL", None: "info"}[row.ok]
        print(f"  {row.metric}: {row.measured} [{mark}]", file=sys.stderr, flush=True)

    # ---- 1. start-up ---------------------------------------------------------

    def startup(self) -> None:
        """Start-up of the commands people run (issue 17, part 3).

        Each command ``startup_runs`` times in a fresh process; judged on the
        best run (the machine is shared: a loaded core only ever adds time),
        with the median and the median CPU (user + sys) beside it.
        """
        runs = self.sizes.startup_runs
        floor, floor_cpu = medians([sys.executable, "-c", "pass"], runs)
        self.add(
            Row(
                "python -c pass (interpreter floor)",
                "-",
                f"{floor * 1000:.0f} ms (CPU {floor_cpu * 1000:.0f} ms)",
                None,
            )
        )
        # No user configuration: the demo profiles are built in.
        env = {**os.environ, "MAILLOGS_CONFIG": str(self.scratch / "no-config.toml")}
        for args, target in (
            (["--version"], 0.100),
            (["--help"], 0.080),
            (["list", "--help"], 0.080),
            (["tail", "--help"], 0.080),
            # The README quick start's first table (a terminal gets a table).
            (["list", "--profile", "demo", "--limit", "20", "--format", "table"], 0.150),
        ):
            measure([MAILLOGS, *args], env)  # warm the OS file cache
            results = [measure([MAILLOGS, *args], env) for _ in range(runs)]
            best = min(r.seconds for r in results)
            median = statistics.median(r.seconds for r in results)
            cpu = statistics.median(r.cpu_seconds for r in results)
            self.add(
                Row(
                    f"maillogs {' '.join(args)} (best of {runs})",
                    f"<= {target * 1000:.0f} ms",
                    f"{best * 1000:.0f} ms (median {median * 1000:.0f} ms, "
                    f"CPU {cpu * 1000:.0f} ms)",
                    best <= target,
                    {"seconds": best, "median_seconds": median, "cpu_seconds": cpu},
                )
            )

    # ---- 2. concurrent paging -------------------------------------------------

    def paging(self) -> None:
        records, latency = self.sizes.paging_records, self.sizes.paging_latency_ms
        workers = self.sizes.paging_concurrency
        pages = -(-records // KALEYRA_PAGE)
        out = self.scratch / "paging.jsonl"
        with sandbox(records, latency) as base_url:
            env = self.env_for(base_url)
            sequential = measure(self.list_cmd("kaleyra", out, "--concurrency", "1"), env).seconds
            default = measure(self.list_cmd("kaleyra", out), env).seconds
            concurrent = measure(
                self.list_cmd("kaleyra", out, "--concurrency", str(workers)), env
            ).seconds
        bound = pages / workers * latency / 1000
        what = f"Kaleyra {records} records ({pages} pages), {latency:.0f} ms/request"
        data = {
            "sequential_s": sequential,
            "default_s": default,
            "concurrent_s": concurrent,
            "bound_s": bound,
        }
        self.add(
            Row(
                f"{what}: default --concurrency",
                "-",
                f"{default:.2f} s (1/{sequential / default:.1f} of sequential)",
                None,
                data,
            )
        )
        self.add(
            Row(
                f"{what}: sequential vs --concurrency {workers}",
                "<= 1/5 of sequential",
                f"{sequential:.2f} s -> {concurrent:.2f} s (1/{sequential / concurrent:.1f})",
                concurrent <= sequential / 5,
                data,
            )
        )
        self.add(
            Row(
                f"{what}: --concurrency {workers} vs pages/concurrency x latency",
                f"<= 1.5 x {bound:.2f} s",
                f"{concurrent:.2f} s ({concurrent / bound:.2f} x)",
                concurrent <= 1.5 * bound,
                data,
            )
        )

    # ---- 3. throughput, and 5. the plain loop a user would write ---------------

    def throughput(self) -> None:
        records = self.sizes.throughput_records
        with sandbox(records) as base_url:
            env = self.env_for(base_url)
            for provider in PROVIDERS:
                self._throughput_one(provider, base_url, env)
            self._edith_one_window(env)
            self._curl_jq(base_url)

    def _throughput_one(self, provider: str, base_url: str, env: dict[str, str]) -> None:
        days = days_back(provider)
        out = self.scratch / f"{provider}.jsonl"
        run = measure(self.list_cmd(provider, out, *every_record(provider)), env)
        count = _lines(out)
        rate = self.rates[provider] = count / run.seconds
        cpu_rate = count / run.cpu_seconds
        ceiling, serve_rate = _ceilings(provider, base_url, days)
        plain_out = self.scratch / f"{provider}-plain.jsonl"
        plain = measure(
            [
                sys.executable,
                str(HERE / "plain_loop.py"),
                provider,
                base_url,
                str(plain_out),
                *(("--days", str(days)) if days else ()),
            ]
        )
        plain_rate = _lines(plain_out) / plain.seconds
        self.add(
            Row(
                f"{provider}: maillogs list --all -> jsonl, {count} records, no latency",
                ">= 25000 rec/s",
                f"{rate:,.0f} rec/s ({run.seconds:.2f} s); {cpu_rate:,.0f} rec per CPU-s",
                rate >= 25_000,
                {"records": count, "seconds": run.seconds, "rate": rate, "cpu_rate": cpu_rate},
            )
        )
        self.add(
            Row(
                f"{provider}: vs json.loads alone on the same pages (parse-only ceiling)",
                ">= 1/2 of ceiling",
                f"ceiling {ceiling:,.0f} rec/s; maillogs at {rate / ceiling:.0%} "
                f"(sandbox alone serves {serve_rate:,.0f} rec/s)",
                rate >= ceiling / 2,
                {"ceiling_rate": ceiling, "serve_rate": serve_rate},
            )
        )
        self.add(
            Row(
                f"{provider}: vs a sequential httpx + json.loads loop (plain_loop.py)",
                "-",
                f"plain {plain_rate:,.0f} rec/s; maillogs {rate / plain_rate:.2f} x",
                None,
                {"plain_rate": plain_rate, "plain_seconds": plain.seconds},
            )
        )

    def _edith_one_window(self, env: dict[str, str]) -> None:
        """EDITH's default range, 7 days, is one window: one sequential cursor walk."""
        out = self.scratch / "edith-7d.jsonl"
        run = measure(self.list_cmd("edith", out), env)
        count = _lines(out)
        self.add(
            Row(
                f"edith: default range (7 days = one window, sequential), {count} records",
                "-",
                f"{count / run.seconds:,.0f} rec/s ({run.seconds:.2f} s)",
                None,
                {"records": count, "seconds": run.seconds},
            )
        )

    def _curl_jq(self, base_url: str) -> None:
        metric = "kaleyra: vs a curl | jq shell loop"
        missing = [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]
        if missing:
            self.add(Row(metric, "-", f"skipped: {', '.join(missing)} not installed", None))
            return
        pages = -(-self.sizes.throughput_records // KALEYRA_PAGE)
        out = self.scratch / "kaleyra-curl.jsonl"
        script = (
            f"for page in $(seq 1 {pages}); do "
            f"curl -sf -H 'api-key: demo-kaleyra-key' "
            f"'{base_url}/v1/DEMO-SID/email/logs?page='$page'&limit={KALEYRA_PAGE}' "
            f"| jq -c '.data[]'; done > '{out}'"
        )
        run = measure(["bash", "-c", script])
        rate = _lines(out) / run.seconds
        ours = self.rates.get("kaleyra")
        ratio = f"; maillogs {ours / rate:.1f} x faster" if ours else ""
        self.add(Row(metric, "-", f"{rate:,.0f} rec/s ({run.seconds:.2f} s){ratio}", None))

    # ---- 2b. every provider against its latency bound -------------------------------

    def latency(self) -> None:
        """``list --all`` of 20,000 records per provider at 100 ms a request, with
        the default concurrency, against pages / concurrency x latency + start-up.
        The start-up: the quickest ``--limit 1`` run (one request) of the three
        providers, less that request (Kaleyra's takes more than one)."""
        records, latency_s = LATENCY_RECORDS, LATENCY_MS / 1000
        with sandbox(records, LATENCY_MS) as base_url:
            env = self.env_for(base_url)
            out = self.scratch / "latency.jsonl"
            startup = max(
                0.0,
                min(measure(self.limit_cmd(p, out, 1), env).seconds for p in PROVIDERS) - latency_s,
            )
            for provider in PROVIDERS:
                cmd = self.list_cmd(provider, out, *every_record(provider))
                # The better of two: the sandbox shares the machine's 2 cores.
                seconds = min(measure(cmd, env).seconds for _ in range(2))
                pages = -(-records // PAGE_ROWS[provider])
                bound = pages / DEFAULT_CONCURRENCY * latency_s
                self.add(
                    Row(
                        f"{provider}: list --all, {records} records ({pages} pages), "
                        f"{LATENCY_MS} ms/request, default concurrency",
                        f"<= 1.5 x {bound:.2f} s + start-up {startup:.2f} s",
                        f"{seconds:.2f} s ({(seconds - startup) / bound:.2f} x bound)",
                        seconds <= 1.5 * bound + startup,
                        {"seconds": seconds, "bound_s": bound, "startup_s": startup},
                    )
                )

    def limit_cmd(self, provider: str, output: Path, limit: int) -> list[str]:
        """``list`` of the newest ``limit`` records over the same range as ``--all``."""
        cmd = self.list_cmd(provider, output, *every_record(provider), "--limit", str(limit))
        cmd.remove("--all")
        return cmd

    # ---- 3b. CPU per record ------------------------------------------------------------

    def cpu(self) -> None:
        """Records per CPU-second of maillogs itself: the marginal figure, CPU of
        a full run less that of a ``--limit 10`` run (start-up, imports, the
        first request), beside the whole-process figure the README used to give."""
        records = self.sizes.throughput_records
        with sandbox(records) as base_url:
            env = self.env_for(base_url)
            for provider in PROVIDERS:
                out = self.scratch / f"cpu-{provider}.jsonl"
                cmd = self.list_cmd(provider, out, *every_record(provider))
                full = min((measure(cmd, env) for _ in range(3)), key=lambda r: r.cpu_seconds)
                count = _lines(out)
                small_cmd = self.limit_cmd(provider, out, CPU_SMALL_LIMIT)
                small = min(
                    (measure(small_cmd, env) for _ in range(3)), key=lambda r: r.cpu_seconds
                )
                marginal = (count - CPU_SMALL_LIMIT) / (full.cpu_seconds - small.cpu_seconds)
                whole = count / full.cpu_seconds
                self.add(
                    Row(
                        f"{provider}: CPU per record, list --all -> jsonl, {count} records",
                        ">= 100000 rec per CPU-s (marginal)",
                        f"{marginal:,.0f} marginal ({whole:,.0f} whole process, "
                        f"{count / full.seconds:,.0f} rec/s wall; fixed cost "
                        f"{small.cpu_seconds:.2f} CPU-s; load {os.getloadavg()[0]:.1f})",
                        marginal >= 100_000,
                        {
                            "records": count,
                            "cpu_seconds": full.cpu_seconds,
                            "small_cpu_seconds": small.cpu_seconds,
                            "marginal_rate": marginal,
                            "whole_rate": whole,
                        },
                    )
                )

    # ---- 4. memory -------------------------------------------------------------

    def memory(self) -> None:
        small, large = self.sizes.memory_small, self.sizes.memory_large
        peaks: dict[tuple[str, int], tuple[Run, int]] = {}
        for records in (small, large):
            providers = PROVIDERS if records == small else self.sizes.memory_providers
            with sandbox(records) as base_url:
                env = self.env_for(base_url)
                for provider in providers:
                    out = self.scratch / f"memory-{provider}.jsonl"
                    run = measure(self.export_cmd(provider, out), env)
                    peaks[provider, records] = run, _lines(out)
                    out.unlink()
        for provider in self.sizes.memory_providers:
            (base, base_count), (big, big_count) = peaks[provider, small], peaks[provider, large]
            ratio = big.peak_rss_mb / base.peak_rss_mb
            self.add(
                Row(
                    f"{provider}: peak RSS of export, {big_count:,} vs {base_count:,} records",
                    "<= 1.25 x",
                    f"{base.peak_rss_mb:.0f} MB -> {big.peak_rss_mb:.0f} MB ({ratio:.2f} x; "
                    f"{big.seconds:.0f} s)",
                    ratio <= 1.25,
                    {"small": asdict(base), "large": asdict(big)},
                )
            )

    # ---- 7. the archive: sync ingest vs list, re-sync, bytes per record ---------

    def archive(self) -> None:
        """``maillogs sync`` of every record the sandbox holds, per provider, vs
        ``list --all --format jsonl`` of the same records (no latency: the
        archive must never be the bottleneck); then a re-sync of the same,
        unchanged, records; then the archive's bytes per record."""
        records = self.sizes.throughput_records
        with sandbox(records) as base_url:
            env = self.env_for(base_url)
            for provider in PROVIDERS:
                self._archive_one(provider, env)

    def _archive_one(self, provider: str, env: dict[str, str]) -> None:
        import sqlite3

        out = self.scratch / f"archive-{provider}.jsonl"
        listed = measure(self.list_cmd(provider, out, *every_record(provider)), env)
        count = _lines(out)
        path = self.scratch / f"archive-{provider}.sqlite3"
        sync = [MAILLOGS, "sync", "--profile", f"sandbox-{provider}", "--archive", str(path)]
        first = measure([*sync, "--since", f"{EDITH_DAYS}d"], env)
        # The same window again: every record unchanged (the lookback reaches back to the start).
        again = measure([*sync, "--lookback", f"{EDITH_DAYS * 24}h"], env)
        conn = sqlite3.connect(path)
        archived = conn.execute("SELECT count(*) FROM records").fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        size = path.stat().st_size
        list_rate, sync_rate, again_rate = (
            count / listed.seconds,
            archived / first.seconds,
            archived / again.seconds,
        )
        data = {
            "records_listed": count,
            "records_archived": archived,
            "list_s": listed.seconds,
            "sync_s": first.seconds,
            "resync_s": again.seconds,
            "list_cpu_s": listed.cpu_seconds,
            "sync_cpu_s": first.cpu_seconds,
            "resync_cpu_s": again.cpu_seconds,
            "bytes": size,
        }
        self.add(
            Row(
                f"{provider}: sync vs list --all -> jsonl, {archived} records, no latency",
                ">= 1.0 x list",
                f"sync {sync_rate:,.0f} rec/s, list {list_rate:,.0f} rec/s "
                f"({sync_rate / list_rate:.2f} x); CPU {first.cpu_seconds:.2f} s vs "
                f"{listed.cpu_seconds:.2f} s",
                sync_rate >= list_rate,
                data,
            )
        )
        self.add(
            Row(
                f"{provider}: re-sync of the same records, all unchanged",
                ">= 1.0 x first sync",
                f"{again_rate:,.0f} rec/s ({again_rate / sync_rate:.2f} x first sync); "
                f"CPU {again.cpu_seconds:.2f} s",
                again_rate >= sync_rate,
                data,
            )
        )
        self.add(
            Row(
                f"{provider}: archive bytes per record (no --raw)",
                "<= 400",
                f"{size / archived:.0f} B ({size:,} bytes)",
                size / archived <= 400,
                data,
            )
        )

    # ---- 6. mail arriving during a walk ------------------------------------------

    def arrivals(self) -> None:
        """``list --all`` while 10 new mails arrive every 50 ms and each request
        takes 60-260 ms, answered out of order: how many of the records that
        existed before the walk are missing from its output (target: none)."""
        from maillogs.sandbox import Arrivals, Emulator, EmulatorConfig, FaultPlan, start_server

        records = ARRIVAL_RECORDS
        for provider in PROVIDERS:
            lost_runs, seconds, requests = [], [], []
            for run in range(ARRIVAL_RUNS):
                # Whole seconds: records that existed before print as earlier
                # than `now`, arrivals (1 ms apart after it) as `now` or later.
                now = datetime.now(UTC).replace(microsecond=0)
                emulator = Emulator(
                    EmulatorConfig(
                        records=records,
                        seed=run,
                        now=now,
                        faults=FaultPlan(latency_ms=60, jitter_ms=200, seed=run),
                        arrivals=Arrivals(10, every_ms=50),
                    )
                )
                server, thread, base_url = start_server(emulator)
                out = self.scratch / f"arrivals-{provider}.jsonl"
                try:
                    env = self.env_for(base_url)
                    cmd = self.list_cmd(provider, out, *every_record(provider))
                    seconds.append(measure(cmd, env).seconds)
                finally:
                    server.shutdown()
                    server.server_close()
                    thread.join()
                before = _keys_before(out, now)
                lost_runs.append(records - len(before))
                requests.append(emulator.request_count)
            lost = sum(lost_runs)
            self.add(
                Row(
                    f"{provider}: list --all, {records} records, 10 arrive / 50 ms, "
                    f"60-260 ms per request ({ARRIVAL_RUNS} runs)",
                    "0 lost",
                    f"{lost} lost ({', '.join(map(str, lost_runs))}); "
                    f"{statistics.median(seconds):.2f} s, {statistics.median(requests):.0f} "
                    "requests (medians)",
                    lost == 0,
                    {"lost": lost_runs, "seconds": seconds, "requests": requests},
                )
            )

    # ---- report ------------------------------------------------------------------

    # ---- offline queries over a large archive (issue 15) ------------------------

    def offline(self) -> None:
        """``--offline`` list and stats over an archive of ``memory_large`` records
        (see ``offline_bench.py``)."""
        import offline_bench

        offline_bench.run(self, measure, medians, Row, MAILLOGS)

    def report(self, started: float, quick: bool) -> bool:
        headers = ("metric", "target", "measured", "result")
        table = [
            (r.metric, r.target, r.measured, {True: "pass", False: "FAIL", None: "-"}[r.ok])
            for r in self.rows
        ]
        widths = [max(len(str(line[i])) for line in [headers, *table]) for i in range(4)]
        for line in [headers, tuple("-" * w for w in widths), *table]:
            print("  ".join(str(cell).ljust(w) for cell, w in zip(line, widths, strict=True)))
        elapsed = time.perf_counter() - started
        print(f"\n{machine()}; {'--quick' if quick else 'full'} run took {elapsed:.0f} s")
        print(f"load average at start {self.load[0]:.1f}, at end {os.getloadavg()[0]:.1f}")
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(
            json.dumps(
                {
                    "machine": machine(),
                    "quick": quick,
                    "sizes": asdict(self.sizes),
                    "seconds": elapsed,
                    "load_average_at_start": self.load,
                    "rows": [asdict(r) for r in self.rows],
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"results written to {RESULTS.relative_to(HERE.parent)}")
        return all(r.ok is not False for r in self.rows)


def days_back(provider: str) -> int | None:
    """How many days to ask ``provider`` for to get every record the sandbox
    holds: EDITH answers 7 days unless asked for more; the others, everything."""
    return EDITH_DAYS if provider == "edith" else None


def every_record(provider: str) -> tuple[str, ...]:
    """``list`` options that cover every record the sandbox holds for ``provider``."""
    days = days_back(provider)
    return ("--since", f"{days}d") if days else ()


def _keys_before(path: Path, now: datetime) -> set[tuple[str, str]]:
    """Distinct (message id, recipient) of the rows submitted before ``now``;
    a Kaleyra row listing several addresses counts once."""
    keys = set()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if datetime.fromisoformat(record["submitted_at"]) < now:
                recipient = "" if record["provider"] == "kaleyra" else record["recipient"]
                keys.add((record["message_id"], recipient))
    return keys


def _lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def _ceilings(provider: str, base_url: str, days: int | None) -> tuple[float, float]:
    """Records/s of bare ``json.loads`` over the same pages, fetched beforehand,
    and of the sequential fetch itself (how fast the sandbox can serve)."""
    started = time.perf_counter()
    with plain_loop.client_for(provider, base_url) as client:
        contents = [content for content, _ in plain_loop.bodies(client, provider, days)]
    fetched = time.perf_counter() - started
    rows_key = {"kaleyra": "data", "edith": "emailLogs", "infobip": "results"}[provider]
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        count = sum(len(json.loads(content)[rows_key]) for content in contents)
        best = min(best, time.perf_counter() - started)
    return count / best, count / fetched


def compile_bytecode() -> None:
    """Compile maillogs and its dependencies to ``.pyc``, as an installer does.

    ``uv sync`` installs without bytecode, and with ``PYTHONDONTWRITEBYTECODE``
    set (as on this machine) Python never caches it either: every measured run
    would then compile ~180 modules from source (~0.2 s), a cost no installed
    copy pays after its first run.
    """
    import compileall
    import sysconfig

    import maillogs

    for directory in {sysconfig.get_paths()["purelib"], str(Path(maillogs.__file__).parent)}:
        compileall.compile_dir(directory, quiet=1, workers=os.cpu_count() or 1)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}"


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the maillogs benchmarks.")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under a minute")
    parser.add_argument(
        "--only",
        default="startup,paging,latency,throughput,cpu,memory",
        help="comma-separated sections (also: archive, offline, arrivals)",
    )
    args = parser.parse_args()
    if not Path(MAILLOGS).exists():
        parser.error(f"{MAILLOGS} not found: run with `uv run python benchmarks/run.py`")
    compile_bytecode()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="maillogs-bench-") as scratch:
        bench = Bench(QUICK if args.quick else FULL, Path(scratch))
        for section in args.only.split(","):
            print(f"{section}...", file=sys.stderr, flush=True)
            getattr(bench, section.strip())()
        ok = bench.report(started, args.quick)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
