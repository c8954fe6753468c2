"""`python -m pipelines.warehouse.dbt_worker`: a dbt process started before its command is known.

Every dbt command starts by importing dbt, about 2 s. A nightly knows well before its dbt build
that it will have one (files changed, and the raw checks run first), so it starts this process
then (`dbt_cli.start_dbt_ahead`): it imports dbt and waits. The build sends it one line on stdin,
JSON `{"args": [...], "env": {...}, "cwd": "..."}`; the process takes that environment as its own,
runs the command as the `dbt` executable would (same arguments, JSON log lines on stdout) and exits
with the code `dbt` would give (0 success, 1 a node failed, 2 dbt itself failed). Its input closed
before a line comes (the run stopped before its build, or its process ended): it exits at once.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> int:
    from dbt.cli.main import dbtRunner  # the slow part, done while the request is not known yet

    line = sys.stdin.readline()
    if not line.strip():
        return 0
    request = json.loads(line)
    # dbt reads its settings (DBT_*), the profile's HOME and the runtime variables from the
    # environment when the command runs, so the build's environment replaces the one inherited
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    result = dbtRunner().invoke(request["args"])
    if result.exception is not None:
        print(f"dbt failed: {result.exception}", file=sys.stderr)
        return 2
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
