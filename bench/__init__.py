"""decree8 benchmarks: each `bench_*.py` module exposes `figures() -> list[dict]`."""
