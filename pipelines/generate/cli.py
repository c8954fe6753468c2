"""`python -m pipelines.generate --scale {tiny,demo,national} --seed N --out DATA_RAW_DIR [--defects]`"""

from __future__ import annotations

import argparse
import json
import sys

from .generator import generate
from .scales import SCALES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.generate",
        description="Generate the built-in data set (register snapshots, agreement workbooks, "
                    "corporaties.csv, woningmarktregios.csv) into a raw data folder.")
    parser.add_argument("--scale", choices=sorted(SCALES), default="demo")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", required=True, help="the raw data folder, e.g. data/raw")
    parser.add_argument("--defects", action="store_true",
                        help="plant one instance of every data check and write defects.json")
    parser.add_argument("--reference-dir", default=None,
                        help="where municipalities.csv, municipal_mergers.csv and corop_regions.csv are "
                             "(default: <out>/reference, then $NPA_REFERENCE_DIR)")
    args = parser.parse_args(argv)
    try:
        summary = generate(args.scale, args.seed, args.out, defects=args.defects,
                           reference_dir=args.reference_dir)
    except (FileNotFoundError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0
