"""Benchmark: every stage at several scales of the demo export, against the read floor.

For each scale the demo generator writes an export folder (not timed), then each stage runs as
its own process (``python -m pipeline <stage>``) in a scratch project, and the wall time and peak
resident memory (RSS) of that process are recorded. Beside them, the floor: a process that only
reads the same raw files into pandas with the fastest readers (calamine for xlsx, the C parser for
csv, pyreadstat for sav) and does nothing else, in one process. ``ratio`` = (ingest + indicators)
/ floor. The ingest stage parses large exports in one worker process per core; it is also timed
in a single process (``ingest_1_process``), with its own ratio, for a like-for-like comparison.

What a user runs is measured too: ``dvc repro indicators`` (ingest and indicators, with DVC's
hashing of the raw folder and caching of the outputs) from scratch in a fresh copy of the project,
the whole ``dvc repro`` from scratch in another, and a ``dvc repro`` with nothing to do; each as
wall time and peak memory of the whole process tree, against the floor of the same run.

Results: a Markdown table on stdout and ``bench/results.json``.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline import atomic
from pipeline.paths import REPORT_DIR, ROOT

log = logging.getLogger("pipeline.bench")

STAGES = ["ingest", "indicators", "figures", "report"]
SERIAL_INGEST = "ingest_1_process"  # the ingest stage without worker processes
DEFAULT_SCALES = [1.0, 30.0, 400.0]
REPRO_INGEST_INDICATORS = "dvc repro ingest+indicators"
REPRO_ALL = "dvc repro (all stages)"
REPRO_NOOP = "dvc repro (nothing to do)"
REPRO_PAIRED = "dvc repro ingest+indicators, median of {n} pairs"
DEFAULT_PAIRS = 3


@dataclass
class Measurement:
    scale: float
    stage: str  # a stage, "floor", or "ingest+indicators"
    rows: int  # data rows in the raw export
    cases: int
    seconds: float
    peak_mib: float
    ratio_to_floor: float | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def read_floor(raw_dir: Path) -> int:
    """Read every raw file with the fastest reader and nothing else; return the number of rows."""
    import pandas as pd
    import pyreadstat

    rows = 0
    for path in sorted(Path(raw_dir).rglob("*")):
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            rows += len(pd.read_excel(path, engine="calamine", header=None, dtype=object)) - 1
        elif suffix == ".csv":
            data = path.read_bytes()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252")
            import io

            rows += len(pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False, engine="c"))
        elif suffix == ".sav":
            rows += len(pyreadstat.read_sav(str(path))[0])
    return rows


def _run_stage(args: list[str], env: dict, cwd: Path) -> tuple[float, float, str]:
    """Run one stage in a fresh interpreter that measures itself (exact per-process peak RSS)."""
    wrapper = [sys.executable, "-c", _MEASURE, *args]
    start = time.perf_counter()
    done = subprocess.run(wrapper, env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr.strip()[-2000:]}")
    lines = done.stdout.strip().splitlines()
    peak = float(lines[-1].split("=", 1)[1])
    return seconds, peak, "\n".join(lines[:-1])


# A tiny parent that runs the command as its only child and prints the peak memory of the child's
# whole process tree (the stage and any worker processes it starts): the highest sum of the
# processes' proportional set size (PSS: a page shared by k processes counts 1/k in each, so
# forked workers are not counted twice), and never less than the kernel's exact maximum
# resident size of the largest single process. Reading a large process's PSS costs the kernel
# a walk of its page tables (about 12 ms for a 1 GB process): the sampler waits ten times as
# long as its last sample took, at least 50 ms, so that it takes at most a tenth of a core
# from what it measures (sampling every 50 ms took half a core at 400×).
_MEASURE = (
    "import os, resource, subprocess, sys, time\n"
    "def tree(pid):\n"
    "    found = [pid]\n"
    "    try:\n"
    "        for tid in os.listdir('/proc/%d/task' % pid):\n"
    "            with open('/proc/%d/task/%s/children' % (pid, tid)) as f:\n"
    "                for child in f.read().split():\n"
    "                    found += tree(int(child))\n"
    "    except OSError:\n"
    "        pass\n"
    "    return found\n"
    "def tree_rss(root):\n"
    "    total = 0\n"
    "    for pid in tree(root):\n"
    "        try:\n"
    "            with open('/proc/%d/smaps_rollup' % pid) as f:\n"
    "                total += next(int(l.split()[1]) for l in f if l.startswith('Pss:')) * 1024\n"
    "        except (OSError, IndexError, ValueError, StopIteration):\n"
    "            pass\n"
    "    return total\n"
    "child = subprocess.Popen(sys.argv[1:])\n"
    "peak = 0\n"
    "while child.poll() is None:\n"
    "    started = time.perf_counter()\n"
    "    peak = max(peak, tree_rss(child.pid))\n"
    "    time.sleep(max(0.05, 10 * (time.perf_counter() - started)))\n"
    "kernel = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024\n"
    "print('peak_mib=%.1f' % (max(peak, kernel) / 2**20))\n"
    "sys.exit(child.returncode)\n"
)


def _project(work: Path, raw: Path, peildatum: str, min_group_n: int) -> Path:
    """A scratch project root: params pointing at ``raw``, the report's templates and texts."""
    work.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "dvc.yaml", work / "dvc.yaml")
    (work / "params.yaml").write_text(
        f'config: config\nraw_dir: {raw}\npeildatum: "{peildatum}"\nmin_group_n: {min_group_n}\npublicatiedatum:\nrapportstatus: concept\n',
        encoding="utf-8",
    )
    shutil.copytree(ROOT / "config", work / "config", dirs_exist_ok=True)
    for folder in ["templates", "filters", "assets", "tekst"]:
        shutil.copytree(REPORT_DIR / folder, work / "report" / folder, dirs_exist_ok=True)
    (work / "data" / "coding").mkdir(parents=True, exist_ok=True)
    return work


def _reused(raw: Path, seed: int, years: list[int], scale: float):
    """The demo export already in ``raw`` when the generator wrote it with these arguments, else None."""
    from pipeline.demo import DemoSummary

    try:
        meta = json.loads((raw / "demo.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("seed") != seed or meta.get("years") != years or meta.get("scale") != scale:
        return None
    readme = (raw / "README.md").read_text(encoding="utf-8")
    found = re.search(r"(\d+) casussen op de casuslijst", readme)
    cases = int(found.group(1)) if found else 0
    return DemoSummary(out_dir=raw, files=sorted(meta.get("files", {})), n_cases=cases)


def _repro_project(work: Path, raw: Path, peildatum: str, min_group_n: int) -> Path:
    """A fresh copy of the project as a user has it (package, launcher, configuration, DVC
    pipeline, report sources, the virtualenv as ``.venv``) in a new DVC repository."""
    project = _project(work, raw, peildatum, min_group_n)
    shutil.copytree(ROOT / "pipeline", project / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "bin", project / "bin")
    shutil.copy(ROOT / ".dvcignore", project / ".dvcignore")
    (project / ".venv").symlink_to(Path(sys.prefix))
    dvc = str(Path(sys.prefix) / "bin" / "dvc")
    subprocess.run([dvc, "init", "--no-scm", "-q"], cwd=project, check=True)
    shutil.copy(ROOT / ".dvc" / "config", project / ".dvc" / "config")  # the project's DVC settings (analytics off)
    subprocess.run([dvc, "config", "core.no_scm", "true"], cwd=project, check=True)
    return project


def _repro_env(project: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "CIRKEL_ROOT", "CIRKEL_PSEUDONYM_KEY", "PYTHONPATH"}}
    env["PATH"] = "/usr/bin:/bin"
    env["CIRKEL_PSEUDONYM_KEY_FILE"] = str(project / "no.key")  # the demo folder's own key
    return env


def run_bench(
    scales: list[float],
    out: Path,
    work_dir: Path | None = None,
    seed: int = 20210101,
    years: str = "2018-2020",
    keep: bool = False,
    reuse: bool = False,
    pairs: int | None = None,
) -> list[Measurement]:
    """Generate, run and time every stage at every scale; write ``out`` (JSON) and return the rows.

    ``pairs``: how many more times (None: :data:`DEFAULT_PAIRS`) the floor and then ``dvc repro`` of ingest and indicators (in a
    fresh copy) are run one after the other; the row "median of n pairs" holds the median time,
    the median of the pairs' ratios (the first pair included) and the highest peak of them. On a
    shared or virtual machine a single run can be 20 % off either way, and the two halves of a
    pair see the same machine."""
    from pipeline.demo import parse_years, write_demo_export

    pairs = DEFAULT_PAIRS if pairs is None else pairs
    year_list = parse_years(years)
    peildatum = f"{year_list[-1] + 1}-01-01"
    base = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="cirkel-bench-"))
    results: list[Measurement] = []
    try:
        for scale in scales:
            scale_dir = base / f"scale_{scale:g}"
            summary = _reused(scale_dir / "raw", seed, year_list, scale) if reuse else None
            if summary is None:
                shutil.rmtree(scale_dir, ignore_errors=True)
                log.info("bench %g×: demo-export maken", scale)
                summary = write_demo_export(scale_dir / "raw", seed=seed, years=year_list, scale=scale)
            else:
                log.info("bench %g×: bestaande demo-export gebruikt", scale)
            for stale in ("project", "repro_ii", "repro_all"):
                shutil.rmtree(scale_dir / stale, ignore_errors=True)
            project = _project(scale_dir / "project", scale_dir / "raw", peildatum, 5)
            env = dict(
                os.environ, CIRKEL_ROOT=str(project), PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
            )
            env.pop("CIRKEL_PSEUDONYM_KEY", None)
            env["CIRKEL_PSEUDONYM_KEY_FILE"] = str(project / "no.key")  # the demo folder's own key
            floor_code = f"from pipeline.bench import read_floor; print(read_floor({str(scale_dir / 'raw')!r}))"
            seconds, peak, output = _run_stage([sys.executable, "-c", floor_code], env, project)
            rows = int(output.strip().splitlines()[-1])
            floor = Measurement(scale, "floor", rows, summary.n_cases, seconds, peak)
            results.append(floor)
            log.info("bench %g×: floor %.2f s (%d rijen)", scale, seconds, rows)
            stage_rows = {}
            # The ingest stage once in a single process too (CIRKEL_WORKERS=1), so that the
            # ratio is shown both ways: the floor itself reads in one process.
            for stage, label, extra in [("ingest", SERIAL_INGEST, {"CIRKEL_WORKERS": "1"}), *((s, s, {}) for s in STAGES)]:
                seconds, peak, _ = _run_stage([sys.executable, "-m", "pipeline", "-q", stage], dict(env, **extra), project)
                stage_rows[label] = Measurement(scale, label, rows, summary.n_cases, seconds, peak)
                results.append(stage_rows[label])
                log.info("bench %g×: %s %.2f s, piek %.0f MiB", scale, label, seconds, peak)
            for ingest in ("ingest", SERIAL_INGEST):
                both = stage_rows[ingest].seconds + stage_rows["indicators"].seconds
                results.append(
                    Measurement(
                        scale,
                        f"{ingest}+indicators",
                        rows,
                        summary.n_cases,
                        both,
                        max(stage_rows[ingest].peak_mib, stage_rows["indicators"].peak_mib),
                        both / floor.seconds if floor.seconds else None,
                    )
                )
            dvc = str(Path(sys.prefix) / "bin" / "dvc")
            project_dir = project
            for label, target, fresh in [
                (REPRO_INGEST_INDICATORS, ["indicators"], "repro_ii"),
                (REPRO_ALL, [], "repro_all"),
                (REPRO_NOOP, [], None),
            ]:
                project_dir = _repro_project(scale_dir / fresh, scale_dir / "raw", peildatum, 5) if fresh else project_dir
                seconds, peak, _ = _run_stage([dvc, "repro", "-q", *target], _repro_env(project_dir), project_dir)
                ratio = seconds / floor.seconds if floor.seconds and label == REPRO_INGEST_INDICATORS else None
                results.append(Measurement(scale, label, rows, summary.n_cases, seconds, peak, ratio))
                log.info("bench %g×: %s %.2f s, piek %.0f MiB", scale, label, seconds, peak)
            first = next(r for r in results if r.scale == scale and r.stage == REPRO_INGEST_INDICATORS)
            paired = [(first.seconds, floor.seconds, first.peak_mib)]
            for number in range(pairs):
                floor_seconds, _, _ = _run_stage([sys.executable, "-c", floor_code], env, project)
                shutil.rmtree(scale_dir / "repro_ii")  # the previous pair's copy
                fresh = _repro_project(scale_dir / "repro_ii", scale_dir / "raw", peildatum, 5)
                seconds, peak, _ = _run_stage([dvc, "repro", "-q", "indicators"], _repro_env(fresh), fresh)
                paired.append((seconds, floor_seconds, peak))
                log.info("bench %g×: paar %d: floor %.2f s, dvc repro %.2f s", scale, number + 2, floor_seconds, seconds)
            if pairs:
                results.append(
                    Measurement(
                        scale,
                        REPRO_PAIRED.format(n=len(paired)),
                        rows,
                        summary.n_cases,
                        statistics.median(s for s, _, _ in paired),
                        max(p for _, _, p in paired),
                        statistics.median(s / f for s, f, _ in paired if f),
                    )
                )
            if not keep:
                shutil.rmtree(scale_dir, ignore_errors=True)
    finally:
        if not keep and work_dir is None:
            shutil.rmtree(base, ignore_errors=True)
    document = {
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
        },
        "seed": seed,
        "years": years,
        "results": [asdict(r) for r in results],
    }
    atomic.write_text(Path(out), json.dumps(document, indent=2) + "\n")
    return results


def markdown_table(results: list[Measurement]) -> str:
    """One row per scale and stage, with the floor and the ratio."""
    lines = [
        "| scale | cases | rows | stage | seconds | rows/s | peak MiB | × floor |",
        "|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = f"{r.ratio_to_floor:.2f}" if r.ratio_to_floor is not None else ""
        lines.append(
            f"| {r.scale:g}× | {r.cases:,} | {r.rows:,} | {r.stage} | {r.seconds:.2f} | {r.rows_per_second:,.0f} | "
            f"{r.peak_mib:.0f} | {ratio} |"
        )
    return "\n".join(lines)
