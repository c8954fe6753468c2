"""The built-in data set (shared/spec/generated-data.md): invented corporations, dwellings and
agreements on the real municipalities, mergers and COROP regions.

    from pipelines.generate import generate
    summary = generate("demo", seed=42, raw_dir="data/raw")

Command line: `python -m pipelines.generate --scale demo --seed 42 --out data/raw [--defects]`.
"""

from .generator import generate
from .scales import SCALES

__all__ = ["generate", "SCALES"]
