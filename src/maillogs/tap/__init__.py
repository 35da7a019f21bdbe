"""``tap-maillogs``: maillogs as a Singer tap, built with the Meltano Singer SDK.

Installed with the ``maillogs[singer]`` extra. Nothing outside this package
imports it, so ``maillogs`` itself never loads the SDK.
"""
