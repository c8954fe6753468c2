"""`python -m bench --scale {demo,national}`: generate once (cached), then measure, alternating.

What runs, per round (`--repeat`, default 3), first on the data set, then on its x2 variant:
  pipeline        `npa run --skip-reports` on a fresh data root (raw hard-linked from the cache)
  floor           `python -m bench.floor` (bench/floor.py)
  pandas          `python -m bench.pandas_peer` (bench/pandas_peer.py)
  no-change       `npa run --skip-reports` again on the same data root, nothing changed
  changed2pct     2% of the register files and of the workbooks changed (chosen by seed, a few values
                  each, still valid: bench/changes.py; not measured), then `npa run --skip-reports`
                  again on that data root: the row "nightly, 2% of files changed"
  report zomer-2022, report april-2023   each on its own, on that data root
(the x2 data set gets pipeline, floor and pandas only, unless `--x2-all`).

Every step is a subprocess in a session of its own. Wall time is measured around it; peak memory
is the largest sum of the resident set sizes of all processes of the step's tree, sampled every
`--interval` seconds from /proc (this process makes itself a child subreaper, so processes whose
parent exits stay in the tree); CPU time is the user+system time of the tree (getrusage of the
reaped children). A step that fails is reported as failed with the tail of its stderr; the others
go on.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import functools
import hashlib
import json
import os
import re
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.changes import change_share

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
CACHE = BENCH / "cache"
RESULTS = BENCH / "results"
DEFAULT_SEED = 20211216
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
REPORTS = ("zomer-2022", "april-2023")
CHANGED_STEP = "nightly, 2% of files changed"  # `--steps changed2pct`
CHANGED_SHARE = 0.02


# ------------------------------------------------------------------------------------ memory

def make_subreaper() -> bool:
    """Orphaned descendants are re-parented to this process (Linux), so they stay measurable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as fh:
                    kids.extend(int(x) for x in fh.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return kids


def _children_by_scan() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as fh:
                stat = fh.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(name))
    return tree


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return 0


class TreeSampler:
    """Peak of the summed RSS of every descendant of this process, sampled in a thread."""

    def __init__(self, interval: float = 0.05, exclude: set[int] | None = None):
        self.interval = interval
        self.exclude = exclude or set()  # processes (and their subtrees) that are not the step's
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._use_children_file = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")

    def descendants(self) -> list[int]:
        root = os.getpid()
        out: list[int] = []
        if self._use_children_file:
            children = _children
        else:
            tree = _children_by_scan()
            children = lambda pid: tree.get(pid, [])  # noqa: E731
        stack = [pid for pid in children(root) if pid not in self.exclude]
        while stack:
            pid = stack.pop()
            out.append(pid)
            stack.extend(children(pid))
        return out

    def sample(self) -> None:
        total = sum(_rss(pid) for pid in self.descendants())
        self.samples += 1
        if total > self.peak:
            self.peak = total

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> "TreeSampler":
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()


def reap_and_kill_leftovers(exclude: set[int]) -> None:
    """End what a step left running (its own processes only) and reap those that were re-parented
    to this process; processes that existed before the step (`exclude`) are left alone."""
    sampler = TreeSampler(exclude=exclude)
    leftovers = sampler.descendants()
    for pid in leftovers:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    deadline = time.monotonic() + 5
    pending = set(leftovers)
    while pending and time.monotonic() < deadline:
        for pid in list(pending):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not our child: its own parent reaps it
                done = pid
            if done:
                pending.discard(pid)
        if pending:
            time.sleep(0.02)


# ------------------------------------------------------------------------------------ steps

@dataclass
class Result:
    dataset: str
    step: str
    round: int
    ok: bool
    wall: float
    peak_bytes: int
    cpu: float
    error: str = ""
    samples: int = 0
    phases: dict[str, float] = field(default_factory=dict)  # a report's own step times (its log line)


@dataclass
class Step:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path = REPO
    prepare: Callable[[], object] | None = None  # run before the step, not measured


def run_step(step: Step, dataset: str, rnd: int, log_dir: Path, timeout: float, interval: float) -> Result:
    log_dir.mkdir(parents=True, exist_ok=True)
    slug = f"{dataset}-{step.name.replace(' ', '_')}-{rnd}"
    out_path, err_path = log_dir / f"{slug}.out", log_dir / f"{slug}.err"
    env = {**os.environ, **step.env}
    if step.prepare is not None:
        step.prepare()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    error = ""
    existing = set(TreeSampler().descendants())  # normally none; in a test runner, maybe some
    with open(out_path, "wb") as out, open(err_path, "wb") as err, TreeSampler(interval, existing) as sampler:
        started = time.perf_counter()
        try:
            proc = subprocess.Popen(step.argv, cwd=step.cwd, env=env, stdout=out, stderr=err,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            return Result(dataset, step.name, rnd, False, 0.0, 0, 0.0, f"cannot start: {exc}")
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            rc = None
            error = f"timed out after {timeout:.0f} s"
        wall = time.perf_counter() - started
        sampler.sample()
    reap_and_kill_leftovers(existing)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    ok = rc == 0
    if not ok and not error:
        error = f"exit code {rc}"
    if not ok:
        tail = err_path.read_text(errors="replace").strip().splitlines()[-15:]
        if not tail:
            tail = out_path.read_text(errors="replace").strip().splitlines()[-15:]
        error += "\n" + "\n".join(tail)
    phases = report_phases(err_path.read_text(errors="replace")) if ok and step.name.startswith("report") else {}
    return Result(dataset, step.name, rnd, ok, wall, sampler.peak, cpu, error, sampler.samples, phases)


_REPORT_LINE = re.compile(r"marts built in ([\d.]+) s, report written in ([\d.]+) s \(([^)]*)\)")


def report_phases(log_text: str) -> dict[str, float]:
    """A report's step times from the line it logs (pipelines/operations/report_jobs.py):
    `as-of marts`, `writing`, and the writing's own steps (content, html, workbook, pdf)."""
    match = _REPORT_LINE.search(log_text)
    if not match:
        return {}
    phases = {"as-of marts": float(match.group(1)), "writing": float(match.group(2))}
    for part in match.group(3).split(","):
        name, _, value = part.strip().rpartition(" ")[0].partition(" ")
        try:
            phases[name] = float(value)
        except ValueError:
            continue
    return phases


# ------------------------------------------------------------------------------------ data sets

def _fingerprint(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode())
    for path in sorted((REPO / "pipelines" / "generate").glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def reference_dir() -> Path | None:
    value = os.environ.get("NPA_REFERENCE_DIR")
    if value and Path(value).is_dir():
        return Path(value)
    for candidate in (REPO.parent / "shared" / "reference",):
        if (candidate / "municipalities.csv").is_file():
            return candidate
    return None


def _cached(name: str, fingerprint: str, build, log, what: str) -> Path:
    """bench/cache/<name>/raw, made by `build(raw_dir) -> dict` (announced as `what`) only when the
    folder's fingerprint differs; built aside and renamed into place, so a stopped build leaves nothing."""
    folder = CACHE / name
    marker = folder / "dataset.json"
    if marker.is_file() and json.loads(marker.read_text()).get("fingerprint") == fingerprint and (folder / "raw").is_dir():
        return folder / "raw"
    log(f"{what} into {folder / 'raw'} ...")
    tmp = CACHE / f".{name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    started = time.perf_counter()
    summary = build(tmp / "raw")
    (tmp / "dataset.json").write_text(json.dumps(
        {**summary, "fingerprint": fingerprint, "seconds": round(time.perf_counter() - started, 1)}, indent=1))
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return folder / "raw"


def ensure_dataset(scale: str, seed: int, log) -> Path:
    """bench/cache/<scale>/raw, generated once per scale, seed and generator version."""

    def generate(raw: Path) -> dict:
        env = dict(os.environ)
        ref = reference_dir()
        if ref:
            env["NPA_REFERENCE_DIR"] = str(ref)
        done = subprocess.run([sys.executable, "-m", "pipelines.generate", "--scale", scale, "--seed", str(seed),
                               "--out", str(raw)], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-10:])
            raise subprocess.CalledProcessError(done.returncode, "pipelines.generate", stderr=tail)
        return {"scale": scale, "seed": seed, "generated_at": dt.datetime.now().isoformat(timespec="seconds")}

    return _cached(scale, _fingerprint(scale, str(seed)), generate, log,
                   f"generating the '{scale}' data set (seed {seed})")


def ensure_twice(scale: str, base_raw: Path, log) -> Path:
    """bench/cache/<scale>x2/raw: every register file with each dwelling twice, the rest as is."""
    from bench.twice import make_twice

    def write(raw: Path) -> dict:
        return {"base": scale, **make_twice(base_raw, raw)}

    base_fp = json.loads((base_raw.parent / "dataset.json").read_text())["fingerprint"]
    fp = hashlib.sha256((base_fp + (BENCH / "twice.py").read_text()).encode()).hexdigest()[:16]
    return _cached(f"{scale}x2", fp, write, log, "writing the x2 data set")


def link_tree(src: Path, dst: Path) -> None:
    """A data root's raw folder: register and agreements hard-linked (the pipeline never writes
    raw files), reference copied (the pipeline adds files to it)."""
    for path in src.rglob("*"):
        rel = path.relative_to(src)
        target = dst / rel
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel.parts[0] == "reference":
            shutil.copy2(path, target)
        else:
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)


# ------------------------------------------------------------------------------------ preparation

WARM_IMPORTS = ("dagster, dbt.cli.main, great_expectations, duckdb, polars, pandas, pyarrow, "
                "fastexcel, pipelines.definitions, pipelines.cli, bench.floor, bench.pandas_peer")


def python_env(cold: bool) -> dict[str, str]:
    """Environment for every measured Python process.

    Python normally caches compiled modules (`__pycache__`); with PYTHONDONTWRITEBYTECODE set (as in
    some sandboxes) every import compiles from source, which doubles the cost of importing
    dagster, dbt and great_expectations. Unless `--cold`, the benchmark lets Python cache byte code
    under bench/cache/pycache (PYTHONPYCACHEPREFIX: nothing is written into the environment) and
    warms that cache once before measuring, as on any machine that has run the code before.
    """
    if cold:
        return {}
    return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(CACHE / "pycache")}


def ensure_manifest(log) -> None:
    """The dbt manifest, parsed again when a model changed (`make bench` does this too)."""
    project = REPO / "dbt_project"
    manifest = project / "target" / "manifest.json"
    if not (project / "dbt_project.yml").is_file():
        return
    sources = [p for p in project.rglob("*") if p.suffix in (".sql", ".yml", ".csv") and "target" not in p.parts
               and "dbt_packages" not in p.parts]
    if manifest.exists() and all(p.stat().st_mtime <= manifest.stat().st_mtime for p in sources):
        return
    dbt = Path(sys.executable).with_name("dbt")
    if not dbt.exists():
        return
    log("parsing the dbt project (manifest out of date) ...")
    # the profile as the pipeline's builds render it (see pipelines/warehouse/dbt_cli.py), so that
    # the partial parse state prepared here serves them
    env = {k: v for k, v in os.environ.items() if k not in ("NPA_BUILD_DB", "NPA_RAW_DB")}
    subprocess.run([str(dbt), "parse", "--quiet", "--profiles-dir", ".", "--project-dir", "."], cwd=project,
                   env=env, check=False)


def warm_up(env: dict[str, str], log) -> None:
    log("warming the byte-code cache (not measured) ...")
    for module in WARM_IMPORTS.split(", "):
        subprocess.run([sys.executable, "-c", f"import {module}"], cwd=REPO, env={**os.environ, **env},
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


# ------------------------------------------------------------------------------------ report

def _fmt_s(values: list[float]) -> str:
    if not values:
        return "-"
    med = statistics.median(values)
    return f"{med:.1f} ({min(values):.1f}-{max(values):.1f})"


def _fmt_mb(values: list[int]) -> str:
    if not values:
        return "-"
    mb = [v / 2**20 for v in values]
    return f"{statistics.median(mb):.0f} ({min(mb):.0f}-{max(mb):.0f})"


def summarise(results: list[Result], datasets: list[str], steps_order: list[str]) -> tuple[list[str], list[str]]:
    """(markdown table lines, ratio lines)."""
    lines = ["| data set | step | ok | wall s, median (min-max) | peak MB of tree, median (min-max) | CPU s, median |",
             "| --- | --- | --- | --- | --- | --- |"]
    for ds in datasets:
        for name in steps_order:
            rs = [r for r in results if r.dataset == ds and r.step == name]
            if not rs:
                continue
            good = [r for r in rs if r.ok]
            cpu = f"{statistics.median([r.cpu for r in good]):.1f}" if good else "-"
            lines.append(f"| {ds} | {name} | {len(good)}/{len(rs)} | {_fmt_s([r.wall for r in good])} | "
                         f"{_fmt_mb([r.peak_bytes for r in good])} | {cpu} |")

    def paired(ds: str, a: str, b: str, attr: str = "wall") -> float | None:
        by_round: dict[int, dict[str, float]] = {}
        for r in results:
            if r.dataset == ds and r.ok and r.step in (a, b):
                by_round.setdefault(r.round, {})[r.step] = getattr(r, attr)
        ratios = [v[a] / v[b] for v in by_round.values() if a in v and b in v and v[b] > 0]
        return statistics.median(ratios) if ratios else None

    def med(ds: str, step: str, attr: str = "wall") -> float | None:
        vals = [getattr(r, attr) for r in results if r.dataset == ds and r.step == step and r.ok]
        return statistics.median(vals) if vals else None

    def f(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.2f}"

    ratio_lines = []
    for ds in datasets:
        suffix = "" if ds == datasets[0] else f" ({ds})"
        ratio_lines.append(f"pipeline/floor: {f(paired(ds, 'pipeline', 'floor'))}{suffix}"
                           f"   [peak memory {f(paired(ds, 'pipeline', 'floor', 'peak_bytes'))}]")
        ratio_lines.append(f"pandas/pipeline: {f(paired(ds, 'pandas', 'pipeline'))}{suffix}"
                           f"   [peak memory {f(paired(ds, 'pandas', 'pipeline', 'peak_bytes'))}]")
        if any(r.dataset == ds and r.step == CHANGED_STEP for r in results):
            ratio_lines.append(f"changed2pct/floor: {f(paired(ds, CHANGED_STEP, 'floor'))}{suffix}"
                               f"   [CPU {f(paired(ds, CHANGED_STEP, 'floor', 'cpu'))}]")
    for ds in datasets:
        for name in steps_order:
            timed = [r.phases for r in results if r.dataset == ds and r.step == name and r.ok and r.phases]
            if timed:
                keys = [k for k in timed[0] if all(k in t for t in timed)]
                ratio_lines.append(f"{name} ({ds}), its own step times, median: " + ", ".join(
                    f"{k} {statistics.median(t[k] for t in timed):.1f} s" for k in keys))
    if len(datasets) > 1:
        base, twice = datasets[0], datasets[1]

        def growth(step: str) -> str:
            a, b = med(base, step), med(twice, step)
            return f(b / a) if a and b else "n/a"

        ratio_lines.append(f"growth x2: pipeline {growth('pipeline')}, floor {growth('floor')}, "
                           f"pandas {growth('pandas')}")
    return lines, ratio_lines


def machine_note(load_before: tuple, load_after: tuple, loads: list[float]) -> str:
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            total = int(fh.readline().split()[1]) / 2**20
        mem = f", {total:.0f} GB RAM"
    except OSError:
        pass
    return (f"{platform.node()}: {os.cpu_count()} cores{mem}, Python {platform.python_version()}; "
            f"1-minute load average before {load_before[0]:.1f}, after each step median "
            f"{statistics.median(loads) if loads else float('nan'):.1f} (max {max(loads, default=float('nan')):.1f}), "
            f"after {load_after[0]:.1f} "
            f"(with {os.cpu_count()} cores, a load above that means other work shared the machine)")


# ------------------------------------------------------------------------------------ main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=["tiny", "demo", "national"], default="national")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", default="pipeline,floor,pandas,no-change,changed2pct,reports",
                        help="comma-separated subset of: pipeline, floor, pandas, no-change, changed2pct, reports")
    parser.add_argument("--no-x2", action="store_true", help="skip the twice-as-large data set")
    parser.add_argument("--x2-all", action="store_true", help="also the no-change run and reports on x2")
    parser.add_argument("--timeout", type=float, default=3600.0, help="per step, seconds")
    parser.add_argument("--interval", type=float, default=0.05, help="memory sampling interval, seconds")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data roots")
    parser.add_argument("--cold", action="store_true",
                        help="measure as the environment is, without letting Python cache byte code")
    args = parser.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, flush=True)

    wanted = {s.strip() for s in args.steps.split(",") if s.strip()}
    subreaper = make_subreaper()
    ref = reference_dir()
    try:
        base_raw = ensure_dataset(args.scale, args.seed, log)
    except (subprocess.CalledProcessError, OSError) as exc:
        log(f"cannot generate the '{args.scale}' data set: {exc}\n{getattr(exc, 'stderr', '') or ''}\nnothing to measure")
        return 2
    datasets = [(args.scale, base_raw)]
    if not args.no_x2:
        try:
            datasets.append((f"{args.scale}x2", ensure_twice(args.scale, base_raw, log)))
        except Exception as exc:  # noqa: BLE001 - measure what can be measured
            log(f"cannot write the x2 data set ({type(exc).__name__}: {exc}); measuring without it")

    ensure_manifest(log)
    pyenv = python_env(args.cold)
    if not args.cold:
        warm_up(pyenv, log)
    py = sys.executable
    npa = [str(Path(py).with_name("npa"))] if Path(py).with_name("npa").exists() else [py, "-m", "pipelines.cli"]
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    scratch = Path(tempfile.mkdtemp(prefix=f"npa-bench-{args.scale}-"))
    log_dir = scratch / "logs"
    load_before = os.getloadavg()
    results: list[Result] = []
    steps_order: list[str] = []

    loads: list[float] = []

    def record(result: Result) -> None:
        loads.append(os.getloadavg()[0])
        results.append(result)
        if result.step not in steps_order:
            steps_order.append(result.step)
        status = "ok" if result.ok else "FAILED"
        log(f"  {result.dataset:12s} {result.step:18s} round {result.round}: {status:6s} "
            f"{result.wall:7.1f} s  {result.peak_bytes / 2**20:7.0f} MB  cpu {result.cpu:6.1f} s")
        if not result.ok:
            log("    " + result.error.replace("\n", "\n    "))

    try:
        for rnd in range(1, args.repeat + 1):
            log(f"round {rnd}/{args.repeat}")
            for ds, raw in datasets:
                is_x2 = ds.endswith("x2")
                root = scratch / f"{ds}-round{rnd}"
                link_tree(raw, root / "raw")
                # the builds' databases follow from NPA_DATA_DIR (the pipeline ignores the
                # profile's NPA_BUILD_DB/NPA_RAW_DB overrides)
                env = {**pyenv, "NPA_DATA_DIR": str(root), "DAGSTER_HOME": str(root / "dagster_home"), "NPA_AS_OF": ""}
                if ref:
                    env["NPA_REFERENCE_DIR"] = str(ref)
                (root / "dagster_home").mkdir(parents=True, exist_ok=True)
                dagster_yaml = REPO / "pipelines" / "operations" / "dagster.yaml"
                if dagster_yaml.is_file():
                    shutil.copy2(dagster_yaml, root / "dagster_home" / "dagster.yaml")
                ref_env = {**pyenv, **({"NPA_REFERENCE_DIR": str(ref)} if ref else {})}
                plan: list[Step] = []
                if "pipeline" in wanted:
                    plan.append(Step("pipeline", npa + ["run", "--skip-reports"], env))
                if "floor" in wanted:
                    plan.append(Step("floor", [py, "-m", "bench.floor", str(raw), str(root / "floor")], ref_env))
                if "pandas" in wanted:
                    plan.append(Step("pandas", [py, "-m", "bench.pandas_peer", str(raw), str(root / "pandas")],
                                     ref_env))
                if not is_x2 or args.x2_all:
                    if "no-change" in wanted and "pipeline" in wanted:
                        plan.append(Step("no-change", npa + ["run", "--skip-reports"], env))
                    if "changed2pct" in wanted and "pipeline" in wanted:
                        plan.append(Step(CHANGED_STEP, npa + ["run", "--skip-reports"], env,
                                         prepare=functools.partial(change_share, root / "raw", CHANGED_SHARE,
                                                                   args.seed + rnd)))
                    if "reports" in wanted and "pipeline" in wanted:
                        for report in REPORTS:
                            plan.append(Step(f"report {report}", npa + ["report", report], env))
                fresh_failed = False
                for step in plan:
                    if fresh_failed and step.name != "floor" and step.name != "pandas":
                        record(Result(ds, step.name, rnd, False, 0.0, 0, 0.0,
                                      "skipped: the fresh pipeline run of this round failed"))
                        continue
                    result = run_step(step, ds, rnd, log_dir, args.timeout, args.interval)
                    record(result)
                    if step.name == "pipeline" and not result.ok:
                        fresh_failed = True
                if not args.keep:
                    shutil.rmtree(root, ignore_errors=True)
    except KeyboardInterrupt:
        log("interrupted: reporting what was measured")
    finally:
        load_after = os.getloadavg()

    names = [d for d, _ in datasets]
    table, ratios = summarise(results, names, steps_order)
    note = machine_note(load_before, load_after, loads)
    print()
    print("\n".join(table))
    print()
    print("\n".join(ratios))
    print()
    print(note)
    failures = [r for r in results if not r.ok]

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{args.scale}-{stamp}.md"
    body = [f"# Benchmark `{args.scale}`, {stamp}", "",
            f"`python -m bench --scale {args.scale} --repeat {args.repeat}`; seed {args.seed}; "
            f"steps alternate within each round; peak memory is the summed RSS of the whole process tree, "
            f"sampled every {args.interval} s{'' if subreaper else ' (no subreaper: orphans may be missed)'}; "
            + ("byte-code cache off (`--cold`)." if args.cold else
               "Python byte-code cached under bench/cache/pycache and warmed before measuring."),
            "", *table, "", "```", *ratios, "```", "", note, ""]
    if failures:
        body += ["## Failed steps", ""]
        for r in failures:
            body += [f"### {r.dataset} {r.step} (round {r.round})", "", "```", r.error.strip(), "```", ""]
    out.write_text("\n".join(body))
    print(f"written: {out}")
    if args.keep:
        print(f"data roots and logs kept in {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failures and len(failures) == len(results) else 0
