"""`make bench`: run the benchmarks (all, or those named), print tables, save JSON and Markdown.

python -m bench                 # every bench
python -m bench detector        # only bench/detector_bench.py
"""

from __future__ import annotations

import argparse
import importlib
import os

from bench.report import BenchResult, save

BENCHES = ("capacity", "detector", "inference", "stream", "alert", "scaleout")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benches to run, of {', '.join(BENCHES)}")
    args = parser.parse_args()
    unknown = set(args.names) - set(BENCHES)
    if unknown:
        parser.error(f"unknown bench: {', '.join(sorted(unknown))}")
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_AUTOINSTALL", "false")
    results: list[BenchResult] = []
    for name in args.names or BENCHES:
        module = importlib.import_module(f"bench.{name}_bench")
        produced: BenchResult | list[BenchResult] = module.run()
        for result in produced if isinstance(produced, list) else [produced]:
            print(f"\n== {result.title} ==\n{result.table()}")
            for goal in result.goals.values():
                print(f"goal: {goal}")
            results.append(result)
            save([result])
    print("\nsaved bench/results.json and docs/performance.md")


if __name__ == "__main__":
    main()
