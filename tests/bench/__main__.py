"""`make bench` / `python -m tests.bench [name ...]`: each benchmark prints its figures next to a
baseline measured in the same run. Never part of `make test`."""

import importlib
import sys

BENCHMARKS = ["ingest", "routing"]


def main(names: list[str]) -> None:
    for name in names or BENCHMARKS:
        if name not in BENCHMARKS:
            raise SystemExit(f"Unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}.")
        importlib.import_module(f"tests.bench.{name}").run()


if __name__ == "__main__":
    main(sys.argv[1:])
