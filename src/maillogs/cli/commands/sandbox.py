"""``maillogs sandbox serve``: run the local emulator of the three providers.

Heavy imports happen inside the command so that ``maillogs --help`` stays fast.
"""

from __future__ import annotations

import inspect
from typing import Any

import typer

from maillogs.providers.registry import PROVIDERS, SandboxKnob

sandbox_app = typer.Typer(
    help="A local emulator of the providers' email-log APIs, for demos and tests.",
    no_args_is_help=True,
)

EXIT_USAGE = 2
EXIT_UNAVAILABLE = 69


@sandbox_app.callback()
def _group() -> None:
    """Keep ``serve`` a subcommand even while it is the only one."""


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
    faults: str = typer.Option(
        "",
        "--faults",
        help="Fault rates, e.g. '429=0.1,429ra=0.05,500=0.02,502=0.02,503=0.05,drop=0.02,"
        "malformed=0.01,expire=0.05'.",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log one line per request."),
    **knobs: Any,
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
                faults=plan,
                arrivals=arriving,
                **knobs,
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
    typer.echo(config_snippet(base_url, **snippet_arguments(knobs)), nl=False)
    serve_forever(server)
    typer.echo("maillogs sandbox: stopped.", err=True)


def _declared_knobs() -> list[SandboxKnob]:
    return [knob for spec in PROVIDERS.values() if spec.sandbox for knob in spec.sandbox.knobs]


def snippet_arguments(knobs: dict[str, Any]) -> dict[str, Any]:
    """The ``config_snippet`` keywords the knobs given feed (e.g. the account zone)."""
    return {
        knob.snippet_argument: knobs[knob.name]
        for knob in _declared_knobs()
        if knob.snippet_argument is not None
    }


def _knob_parameter(knob: SandboxKnob) -> inspect.Parameter:
    option = typer.Option(
        knob.default,
        knob.option,
        help=knob.help,
        metavar=knob.metavar,
        min=knob.minimum,
    )
    return inspect.Parameter(
        knob.name,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        default=option,
        annotation=type(knob.default),
    )


def _with_provider_knobs() -> None:
    """Give ``serve`` one option per emulator knob the registered providers declare.

    Typer reads a command's options off its signature, so the knobs (which
    arrive in ``**knobs``) join it before ``--verbose``, in registry order.
    """
    signature = inspect.signature(serve)
    fixed = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    *before, verbose = fixed
    knobs = [_knob_parameter(knob) for knob in _declared_knobs()]
    serve.__signature__ = signature.replace(parameters=[*before, *knobs, verbose])  # type: ignore[attr-defined]
    serve.__annotations__ = {
        **{
            name: annotation
            for name, annotation in serve.__annotations__.items()
            if name != "knobs"
        },
        **{knob.name: knob.annotation for knob in knobs},
    }


_with_provider_knobs()
sandbox_app.command("serve")(serve)
