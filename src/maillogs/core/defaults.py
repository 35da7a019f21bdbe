"""Tunable defaults shared by the CLI options and the library (stdlib-free, cheap)."""

# Pages fetched at once where a provider's pagination allows it. Eight overlaps
# enough latency to fetch ~5x faster than one at a time (benchmarks/README.md);
# providers with a published rate limit are paced by the limiter regardless.
DEFAULT_CONCURRENCY = 8
