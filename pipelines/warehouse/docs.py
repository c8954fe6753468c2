"""`python -m pipelines.warehouse.docs [--serve]`: generate (and browse) the dbt docs.

The catalog is read from the private build database; when no run has happened yet, an empty raw
layer is created so dbt can attach it and the docs still show every model and column.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from pipelines.config import DBT_PROJECT_DIR, data_paths
from pipelines.resources import WarehouseResource
from pipelines.warehouse.dbt_cli import DBT_EXECUTABLE, dbt_env, prepare_build_folder, process_environment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serve", action="store_true", help="serve the docs on 127.0.0.1:8080")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)

    paths = data_paths()
    with WarehouseResource(data_dir=str(paths.root)).raw_connection():
        pass  # creates the raw layer's schema if this data folder was never loaded
    prepare_build_folder(paths, paths.build_db)
    env = process_environment(dbt_env(paths))
    common = ["--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir", str(DBT_PROJECT_DIR)]
    subprocess.run([DBT_EXECUTABLE, "docs", "generate", *common], env=env, check=True, cwd=DBT_PROJECT_DIR)
    print(f"docs written to {DBT_PROJECT_DIR / 'target' / 'index.html'}")
    if args.serve:
        subprocess.run([DBT_EXECUTABLE, "docs", "serve", *common, "--host", "127.0.0.1",
                        "--port", str(args.port), "--no-browser"], env=env, cwd=DBT_PROJECT_DIR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
