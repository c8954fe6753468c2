"""`npa` ends its process without the interpreter's teardown (pipelines/cli.py `console`): what the
interpreter would still have done on the way out must be done all the same."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

SCRIPT = textwrap.dedent("""
    import atexit, sys, threading, time
    from pathlib import Path
    import pipelines.cli as cli

    out = Path(sys.argv[1])

    def late_writer():
        time.sleep(0.5)
        (out / "thread.txt").write_text("written by a thread still running when main returned")

    def main():
        threading.Thread(target=late_writer).start()  # not a daemon: the exit waits for it
        atexit.register(lambda: (out / "atexit.txt").write_text("exit handler ran"))
        sys.stdout.write("buffered, no newline")
        return 5

    cli.main = main
    cli.console()
    (out / "after.txt").write_text("console() returned")
""")


def test_console_waits_for_threads_runs_exit_handlers_flushes_and_keeps_the_code(tmp_path: Path):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 5, done.stderr
    assert done.stdout == "buffered, no newline"
    assert (tmp_path / "thread.txt").read_text().startswith("written by a thread")
    assert (tmp_path / "atexit.txt").read_text() == "exit handler ran"
    assert not (tmp_path / "after.txt").exists()


def test_the_npa_command_is_console():
    scripts = {e.name: e.value for e in metadata.entry_points(group="console_scripts")}
    assert scripts["npa"] == "pipelines.cli:console"
