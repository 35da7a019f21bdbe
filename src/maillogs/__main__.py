"""``python -m maillogs``: the same entry point as the ``maillogs`` command."""

from maillogs.cli.app import run

if __name__ == "__main__":
    run()
