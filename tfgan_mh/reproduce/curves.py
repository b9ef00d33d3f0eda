"""Learning curves of a claim: every evaluated checkpoint of every run -> seed mean ± std per arm, the rule that
says whether a curve has flattened, the comparison at equal wall time, and the curve figure.

The flattening rule (`flattened`): an arm's curve of one metric has flattened at its last checkpoint when
  * it has at least `FLAT_WINDOW` (3) checkpoints evaluated in every seed, and
  * over the last `FLAT_WINDOW` of them the seed mean's net change (last minus first) is no more than the seed
    standard deviation (ddof 1, averaged over those checkpoints): what is left of the trend is below seed noise.
Net change, not the range (max - min, the rule until 2026-12-06): with 3 seeds the range of three seed means of
a curve that does not move at all exceeds the seed std in 53 % of cases when checkpoints are independent (16 % when
a seed keeps 80 % of its variance from checkpoint to checkpoint), so a converged pair of arms was called "still
moving" about as often as not. The net change's false "moving" rate is 30 % / 8 % there, while a trend of one seed
std per checkpoint is still caught 90-97 % of the time (range: 94-97 %); a curve that swings and comes back
is flat by this rule, and its "why" names the swing. (Monte Carlo, 200 000 curves; `CurvesTest` re-checks the
independent case on this code.)
With one seed there is no seed noise to compare with: the rule cannot say (None). A check whose arms have not
both flattened is "not converged at N steps" (`report.judge`), never a failure — unless its arms are **drawing
apart**: the gap already exceeds the seed std, and every arm still moving moves monotonically (`trend`) over the
window in the direction that widens that gap (e.g. the arm the paper expects ahead is flat at chance and the other
is still climbing away from it). Continuing those trends cannot reverse the verdict, so the check is decided.

Under an annealed schedule (`optimization.anneal_from`) the last checkpoints are taken while the rates fall, and
the rule reads that descent as "still moving". That reading was measured to be right, not an artefact: on MNIST
(mhgan, 3 seeds x 4 arms) constant-rate training to 25 000 steps passed the annealed 15 000-step end points by more
than the seed std in 10 of 16 (arm, metric) pairs (`results/compare_schedules.py`,
results/campaign/mhgan_schedules.md). A run whose rates reach 0 has stopped moving; it has not converged.

Wall time: the runner records, per run, the seconds each training call took and the steps it covered
(`reproduce_timing.json` in the run directory, `add_timing`); the seconds at a checkpoint are interpolated
within a call; a run that continues another (`Arm.init_from`) counts the other's seconds too (`run_seconds`). Arms
are compared at equal wall time at the largest time every arm reached (`at_equal_time`).
"""

import glob
import json
import math
import os
import textwrap
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from matplotlib import figure as mpl_figure
from matplotlib import ticker

from tfgan_mh.evaluation import records

FLAT_WINDOW = 3
TIMING_FILE = "reproduce_timing.json"


def finite(v) -> bool:
  """A real number (not bool, not NaN / inf)."""
  return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


# --- wall time -------------------------------------------------------------------------------------

def read_timing(model_dir: str) -> List[Dict[str, float]]:
  """The training calls of a run: [{"from": step, "to": step, "seconds": s}, ...] (empty when never timed)."""
  path = os.path.join(model_dir, TIMING_FILE)
  if not os.path.exists(path):
    return []
  with open(path) as f:
    return json.load(f)


def add_timing(model_dir: str, first_step: int, last_step: int, seconds: float) -> None:
  """Appends one training call (steps first_step..last_step took `seconds`), atomically."""
  segments = read_timing(model_dir) + [{"from": int(first_step), "to": int(last_step), "seconds": float(seconds)}]
  records.write_json_atomic(os.path.join(model_dir, TIMING_FILE), segments)


def seconds_per_step(folder: str, depth: int = 3) -> Optional[float]:
  """The median seconds per training step over the timed calls of every run `depth` levels under `folder` (3: a
  claim's `runs/CLAIM/DATASET/ARM/seedS`, 4: every claim's under `runs/`); None when none is timed."""
  rates = []
  for path in sorted(glob.glob(os.path.join(glob.escape(folder), *["*"] * depth, TIMING_FILE))):
    rates += [s["seconds"] / (s["to"] - s["from"]) for s in read_timing(os.path.dirname(path))
              if s["to"] > s["from"] and s["seconds"] > 0]
  return float(np.median(rates)) if rates else None


def seconds_at(segments: Sequence[Dict[str, float]], step: int, start: Optional[int] = None) -> Optional[float]:
  """Training seconds spent to reach `step` (linear within a call); None when no call covers it, or when the
  calls leave steps before it untimed: a gap between calls, or (given the run's first step `start`: 0, or the
  steps of the run it continues) steps before the first call (a call stopped by a signal before the runner
  recorded stopped calls)."""
  if not segments or step > max(s["to"] for s in segments):
    return None
  covered = min(s["from"] for s in segments) if start is None else start
  for s in sorted(segments, key=lambda s: s["from"]):
    if s["from"] > covered and step > covered:
      return None
    covered = max(covered, s["to"])
  total = 0.0
  for s in segments:
    span = s["to"] - s["from"]
    if span > 0:
      total += s["seconds"] * min(1.0, max(0.0, (step - s["from"]) / span))
  return total


def run_seconds(run: Dict[str, Any], step: int) -> Optional[float]:
  """Training seconds a run (a CLAIM.json row) spent from step 0 to `step`: a continued run's time counts the calls
  of the run it continues (`base_timing`), so that it is compared at equal time with runs from scratch. A row
  without `base_timing` (written before it existed) counts its own calls from `timing_start`."""
  if run.get("base_timing") is None:
    return seconds_at(run.get("timing") or [], step, run.get("timing_start"))
  start = run.get("timing_start") or 0  # the base's calls up to where this run starts from it
  base = [s for s in run["base_timing"] if s["to"] <= start]
  return seconds_at(base + list(run.get("timing") or []), step, 0)


# --- curves over seeds -----------------------------------------------------------------------------

def stats(values) -> Dict[str, Any]:
  """Mean, std (ddof 1; 0 for one value) and count of the finite values."""
  vals = [float(v) for v in values if finite(v)]
  if not vals:
    return {"mean": None, "std": None, "n": 0}
  return {"mean": float(np.mean(vals)), "std": float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0,
          "n": len(vals)}


def cell(stat: Optional[Dict[str, Any]], mean_format: str = ".4g", std_format: str = ".2g") -> str:
  """A table cell for `stats`' output (or a curve point): "mean ± std", the mean alone for one value, "—" for
  none."""
  if not stat or stat.get("mean") is None:
    return "—"
  if stat["n"] > 1:
    return f"{stat['mean']:{mean_format}} ± {stat['std']:{std_format}}"
  return f"{stat['mean']:{mean_format}}"


def arm_curve(runs: Sequence[Dict[str, Any]], key: str) -> List[Dict[str, Any]]:
  """Seed mean ± std of `key` at every step evaluated in all `runs` (one arm, one dataset; each run's "curve"
  is [[step, {key: value}], ...]), with the mean training seconds there when every run was timed."""
  if not runs:
    return []
  per_run = [{int(step): values for step, values in r.get("curve") or []} for r in runs]
  steps = sorted(set.intersection(*(set(c) for c in per_run)))
  points = []
  for step in steps:
    values = [c[step].get(key) for c in per_run]
    if not all(finite(v) for v in values):
      continue
    times = [run_seconds(r, step) for r in runs]
    point = dict(step=step, **stats(values))
    point["seconds"] = float(np.mean(times)) if all(t is not None for t in times) else None
    points.append(point)
  return points


def flattened(points: Sequence[Dict[str, Any]]) -> Tuple[Optional[bool], str]:
  """The flattening rule of the module docstring: (True / False / None when it cannot say, why)."""
  if len(points) < FLAT_WINDOW:
    return False, f"{len(points)} checkpoint(s) evaluated, the rule needs {FLAT_WINDOW}"
  last = points[-FLAT_WINDOW:]
  if min(p["n"] for p in last) < 2:
    return None, "one seed: no seed noise to compare the trend with"
  means = [p["mean"] for p in last]
  moved = abs(means[-1] - means[0])
  swing = max(means) - min(means)
  noise = float(np.mean([p["std"] for p in last]))
  steps = f"steps {last[0]['step']}-{last[-1]['step']}"
  if moved <= noise:
    swung = f" (swung {swing:.3g} within)" if swing > noise else ""
    return True, f"flat: moved {moved:.3g} over {steps}{swung}, seed std {noise:.3g}"
  return False, f"still moving: {moved:.3g} over {steps} > seed std {noise:.3g}"


def trend(points: Sequence[Dict[str, Any]]) -> int:
  """+1 / -1 when the seed mean rises / falls at every step of the last `FLAT_WINDOW` checkpoints, else 0."""
  means = [p["mean"] for p in points[-FLAT_WINDOW:]]
  steps = np.diff(means) if len(means) == FLAT_WINDOW else np.array([0.0])
  return 1 if np.all(steps > 0) else (-1 if np.all(steps < 0) else 0)


def at_equal_time(curves: Dict[str, List[Dict[str, Any]]]) -> Optional[Dict[str, Any]]:
  """Each arm's point at the largest training time all arms reached: {"seconds", "arms": {arm: point}}.

  `curves`: arm -> `arm_curve` points of one metric. None when an arm has no timed point."""
  ends = [max((p["seconds"] for p in pts if p["seconds"] is not None), default=None) for pts in curves.values()]
  if not curves or any(e is None for e in ends):
    return None
  budget = min(ends)
  arms = {}
  for arm, pts in curves.items():
    within = [p for p in pts if p["seconds"] is not None and p["seconds"] <= budget * 1.02]  # 2 %: timer noise
    arms[arm] = within[-1] if within else None
  return {"seconds": budget, "arms": arms}


# --- the figure ------------------------------------------------------------------------------------

def figure(title: str, panels: Dict[Tuple[str, str], Dict[str, List[Dict[str, Any]]]],
           labels: Dict[str, str]) -> mpl_figure.Figure:
  """One panel per (dataset, metric): one line per arm (seed mean) with a ± 1 std band, steps on x.

  `panels`: (dataset, metric key) -> {arm: `arm_curve` points}; `labels`: metric key -> axis label."""
  datasets = list(dict.fromkeys(d for d, _ in panels)) or ["no learning curve"]
  metrics = list(dict.fromkeys(m for _, m in panels)) or ["none of the checked values is evaluated per checkpoint"]
  width = max(6.0, 4.2 * len(metrics))
  fig = mpl_figure.Figure(figsize=(width, 3.2 * len(datasets) + 0.8), dpi=100)
  fig.set_layout_engine("constrained")
  axes = fig.subplots(len(datasets), len(metrics), squeeze=False)
  for i, dataset in enumerate(datasets):
    for j, metric in enumerate(metrics):
      ax = axes[i][j]
      for arm, pts in panels.get((dataset, metric), {}).items():
        if not pts:
          continue
        x = np.array([p["step"] for p in pts])
        mean = np.array([p["mean"] for p in pts])
        std = np.array([p["std"] for p in pts])
        n = max(p["n"] for p in pts)
        (line,) = ax.plot(x, mean, marker="o", markersize=3, label=f"{arm} ({n} seed{'s' if n > 1 else ''})")
        ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.2, linewidth=0)
      log = _spans_decades(panels.get((dataset, metric), {}))
      if log:  # ticks as plain numbers (3, 10, 100), not powers of ten
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(_PlainLogFormatter())
        ax.yaxis.set_minor_formatter(_PlainLogFormatter(labelOnlyBase=False))  # labels a few when span < 1 decade
      ax.set_title(f"{dataset}: {labels.get(metric, metric)}", fontsize=10)
      ax.set_xlabel("generator steps")
      ax.set_ylabel(labels.get(metric, metric) + (" (log scale)" if log else ""))
      ax.grid(alpha=0.3)
      if ax.lines:
        ax.legend(fontsize=8)
  fig.suptitle(textwrap.fill(f"{title} (seed mean ± 1 std)", width=int(width * 9)), fontsize=11)
  return fig


class _PlainLogFormatter(ticker.LogFormatter):
  """matplotlib's choice of which log ticks to label, each written as a plain number (0.03, 6, 100)."""

  def __call__(self, x, pos=None):
    return f"{x:g}" if super().__call__(x, pos) else ""


def _spans_decades(arms: Dict[str, List[Dict[str, Any]]]) -> bool:
  """Whether a panel's seed means are all positive and span more than a factor of 10 (FID from 200 at the first
  checkpoint to 3 at the last): drawn on a log axis, the late checkpoints the verdicts read stay apart."""
  means = [p["mean"] for pts in arms.values() for p in pts]
  return bool(means) and min(means) > 0 and max(means) > 10 * min(means)
