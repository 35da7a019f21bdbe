"""``maillogs sandbox serve``: run the local emulator of the three providers.

Heavy imports happen inside the command so that ``maillogs --help`` stays fast.
"""

from __future__ import annotations

import typer

sandbox_app = typer.Typer(
    help="A local emulator of the providers' email-log APIs, for demos and tests.",
    no_args_is_help=True,
)

EXIT_USAGE = 2
EXIT_UNAVAILABLE = 69


@sandbox_app.callback()
def _group() -> None:
    """Keep ``serve`` a subcommand even while it is the only one."""


@sandbox_app.command("serve")
def serve(
    port: int = typer.Option(8025, "--port", "-p", min=0, max=65535, help="Port on 127.0.0.1."),
    records: int = typer.Option(500, "--records", "-n", min=1, help="Records per provider."),
    seed: int = typer.Option(7, "--seed", help="Same seed, same data and same faults."),
    latency: float = typer.Option(0.0, "--latency", min=0, help="Milliseconds added per request."),
    jitter: float = typer.Option(
        0.0,
        "--jitter",
        min=0,
        help="Up to this many more milliseconds per request, before its data is read: "
        "requests sent together are answered out of order.",
    ),
    arrivals: str = typer.Option(
        "",
        "--arrivals",
        help="New mail arriving while serving, per provider: N/Tms (e.g. '10/50ms') or N/request.",
    ),
    live: float | None = typer.Option(
        None,
        "--live",
        metavar="RATE",
        help="Records per second per provider arriving in real time, then changing status "
        "(queued/sent -> delivered or bounced; opens and clicks minutes later). "
        "Deterministic with --seed.",
    ),
    faults: str = typer.Option(
        "",
        "--faults",
        help="Fault rates, e.g. '429=0.1,429ra=0.05,500=0.02,502=0.02,503=0.05,drop=0.02,"
        "malformed=0.01,expire=0.05'.",
    ),
    kaleyra_timezone: str = typer.Option(
        "UTC", "--kaleyra-timezone", help="IANA time zone of the Kaleyra account."
    ),
    token_ttl: float = typer.Option(
        300.0, "--token-ttl", min=0, help="Seconds an EDITH page token stays valid."
    ),
    infobip_rate_limit: bool = typer.Option(
        False,
        "--infobip-rate-limit",
        help="Enforce Infobip's documented 60 (v1) / 120 (v4) requests a minute, as "
        "production does: the excess gets its 429 without Retry-After.",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log one line per request."),
) -> None:
    """Serve every provider's log API on 127.0.0.1 until Ctrl-C."""
    from maillogs.providers.registry import PROVIDERS
    from maillogs.sandbox import (
        Emulator,
        EmulatorConfig,
        SandboxServer,
        config_snippet,
        parse_arrivals,
        parse_faults,
        serve_forever,
    )

    try:
        plan = parse_faults(faults, latency_ms=latency, seed=seed, jitter_ms=jitter)
    except ValueError as exc:
        typer.echo(f"maillogs: invalid --faults: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    try:
        arriving = parse_arrivals(arrivals)
    except ValueError as exc:
        typer.echo(f"maillogs: invalid --arrivals: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    try:
        emulator = Emulator(
            EmulatorConfig(
                records=records,
                seed=seed,
                kaleyra_timezone=kaleyra_timezone,
                token_ttl_s=token_ttl,
                faults=plan,
                infobip_rate_limit=infobip_rate_limit,
                arrivals=arriving,
                live=live,
            )
        )
    except ValueError as exc:
        typer.echo(f"maillogs: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    try:
        server = SandboxServer(emulator, port, verbose=verbose)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        typer.echo(f"maillogs: cannot listen on 127.0.0.1:{port}: {reason}", err=True)
        raise typer.Exit(EXIT_UNAVAILABLE) from None
    base_url = server.base_url
    titles = [spec.title for spec in PROVIDERS.values() if spec.sandbox is not None]
    typer.echo(
        f"maillogs sandbox: {', '.join(titles)} on {base_url} "
        f"({records} records each, seed {seed}). Ctrl-C stops.\n"
        "Add the profiles printed on stdout to config.toml.",
        err=True,
    )
    # Data on stdout, messages on stderr: `serve > sandbox.toml` gives a config
    # file (MAILLOGS_CONFIG=sandbox.toml), and a harness can read the URL there.
    typer.echo(config_snippet(base_url, kaleyra_timezone, rate_limits=infobip_rate_limit), nl=False)
    serve_forever(server)
    typer.echo("maillogs sandbox: stopped.", err=True)
