"""Thin Typer commands: parse options -> Query -> engine -> render.

Modules here import only Typer at module level; everything heavy (httpx,
pydantic, rich, the providers) is imported inside command bodies so that
``maillogs --help`` and ``--version`` start instantly.
"""
