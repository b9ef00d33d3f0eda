"""A run's eval/metrics.jsonl, read-only: metric curves, per-class intra-FID and its comparison between runs."""

import json
import math
from typing import Dict, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf

from tfgan_mh.evaluation import records as records_lib
from tfgan_mh.inspection.loading import Checkpoint, checked_model_dir, resolve_step
from tfgan_mh.run import restore

# Record keys that are not metrics (bookkeeping), besides "num_*" counts, lists, strings and dicts.
NOT_METRICS = ("step", "wall_time", "checkpoint_time", "intra_fid_num_classes")
# Curves the notebook shows by default (those the run's records hold), in this order.
DEFAULT_CURVES = ("fid", "is_mean", "intra_fid_mean", "classifier_is_mean", "am_score", "validation_accuracy",
                  "self_accuracy", "projection_accuracy", "d_real_accuracy", "d_fake_accuracy", "gan_test",
                  "gan_train", "confidence_mean", "ms_ssim_max", "pairwise_distance_128", "energy_gap",
                  "margin")
Curve = Tuple[np.ndarray, np.ndarray]  # (steps [N] int64, values [N] float64)


def read_metrics(model_dir: str) -> list:
  """The records of MODEL_DIR/eval/metrics.jsonl by step (the last record of a step wins), read-only.

  Raises:
    ValueError: model_dir is not a run, or its eval/metrics.jsonl does not exist or holds no record yet.
  """
  model_dir = checked_model_dir(model_dir)
  path = f"{model_dir}/{records_lib.EVAL_DIR}/{records_lib.METRICS_FILE}"
  if not tf.io.gfile.exists(path):
    restore.read_run_info(model_dir)  # "not a tfgan_mh run" first
    raise ValueError(f"{path} does not exist: the eval job has not evaluated this run yet (launch/eval.sh "
                     f"{model_dir})")
  with tf.io.gfile.GFile(path) as f:
    text = f.read()
  by_step = {}
  for line in text.split("\n")[:-1]:  # the part after the last newline is a line still being written
    try:
      record = json.loads(line)
    except ValueError:
      continue
    if isinstance(record, dict) and isinstance(record.get("step"), int):
      by_step[record["step"]] = record
  if not by_step:
    raise ValueError(f"{path} holds no complete record yet: the eval job has not finished a checkpoint")
  return [by_step[s] for s in sorted(by_step)]


def _is_metric(key: str, value) -> bool:
  return (isinstance(value, (int, float)) and not isinstance(value, bool) and key not in NOT_METRICS
          and not key.startswith("num_"))


def metric_curves(model_dir: str, metrics: Optional[Sequence[str]] = None) -> Dict[str, Curve]:
  """Scalar metrics of eval/metrics.jsonl over the evaluated steps.

  Args:
    model_dir: the run directory.
    metrics: record keys to return (None: every scalar metric).

  Returns:
    {metric: (steps [N] int64, values [N] float64)} over the steps whose record holds the metric (a value
    JSON could not hold, NaN or inf, written as null, is NaN), sorted by metric name when `metrics` is None.

  Raises:
    ValueError: no metrics.jsonl, or a requested metric that no record holds (the message lists them).
  """
  records = read_metrics(model_dir)
  numeric = {k for r in records for k, v in r.items() if _is_metric(k, v)}
  found = {}
  for record in records:
    for key in sorted(numeric & set(record)):
      value = record[key]
      if value is None or _is_metric(key, value):  # null: NaN or inf in the job
        found.setdefault(key, []).append((record["step"], math.nan if value is None else float(value)))
  if metrics is None:
    names = sorted(found)
  else:
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    for name in names:
      if name not in found:
        raise ValueError(f"metric {name!r} is not in {model_dir}/eval/metrics.jsonl; recorded metrics: "
                         f"{', '.join(sorted(found)) or 'none'}")
  return {name: (np.array([s for s, _ in found[name]], np.int64), np.array([v for _, v in found[name]]))
          for name in names}


def _record_for(model_dir: str, checkpoint: Checkpoint, records: list) -> dict:
  """The record of "best" (eval/best.json's step, else latest), "latest" or a step."""
  steps = [r["step"] for r in records]
  listed = ", ".join(map(str, steps[-10:]))
  which = resolve_step(model_dir, checkpoint)
  if which == "latest":
    return records[-1]
  if (isinstance(which, (int, np.integer)) and not isinstance(which, bool)) or str(which).isdigit():
    for record in records:
      if record["step"] == int(which):
        return record
    raise ValueError(f"step {which} of {model_dir} was not evaluated (not in eval/metrics.jsonl); evaluated "
                     f"steps: {listed}")
  raise ValueError(f"checkpoint={checkpoint!r}: expected 'best', 'latest' or an evaluated step ({listed})")


class IntraFID(NamedTuple):
  """Per-class intra-FID of one evaluated checkpoint."""
  step: int
  per_class: np.ndarray  # [K] float64; NaN for a class that was not evaluated


def intra_fid(model_dir: str, checkpoint: Checkpoint = "best") -> IntraFID:
  """The per-class intra-FID the eval job recorded (MHGAN Fig. 4c) for "best", "latest" or a step.

  Raises:
    ValueError: no metrics.jsonl, an unknown step, or a record without intra-FID (with the job's reason).
  """
  model_dir = checked_model_dir(model_dir)
  record = _record_for(model_dir, checkpoint, read_metrics(model_dir))
  values = record.get("intra_fid_per_class")
  if not isinstance(values, list) or not values:
    reason = (record.get("absent", {}).get("intra_fid") or record.get("errors", {}).get("intra_fid")
              or "the intra_fid metric was not asked for (--metrics)")
    raise ValueError(f"{model_dir} has no intra-FID at step {record['step']}: {reason}")
  return IntraFID(int(record["step"]), np.array([math.nan if v is None else v for v in values], np.float64))


def intra_fid_per_class(model_dir: str, checkpoint: Checkpoint = "best") -> np.ndarray:
  """[K] per-class intra-FID of `intra_fid(model_dir, checkpoint)` (NaN for classes not evaluated)."""
  return intra_fid(model_dir, checkpoint).per_class


class IntraFIDComparison(NamedTuple):
  """Intra-FID of the classes evaluated in both runs: run A on the x axis, run B on the y axis."""
  classes: np.ndarray  # [M] class ids
  a: np.ndarray  # [M] intra-FID of run A
  b: np.ndarray  # [M] intra-FID of run B
  step_a: int
  step_b: int

  @property
  def num_better_b(self) -> int:
    """Classes whose intra-FID is lower in B (points below the diagonal of MHGAN Fig. 4c)."""
    return int(np.sum(self.b < self.a))


def compare_intra_fid(dir_a: str, dir_b: str, checkpoint_a: Checkpoint = "best",
                      checkpoint_b: Checkpoint = "best") -> IntraFIDComparison:
  """Per-class intra-FID of two runs, aligned by class (MHGAN Fig. 4c: A = SAGAN baseline, B = MHGAN).

  Raises:
    ValueError: a run without intra-FID, runs with different class counts, or no class evaluated in both.
  """
  a, b = intra_fid(dir_a, checkpoint_a), intra_fid(dir_b, checkpoint_b)
  if len(a.per_class) != len(b.per_class):
    raise ValueError(f"cannot compare intra-FID per class: {dir_a} has {len(a.per_class)} classes, {dir_b} "
                     f"has {len(b.per_class)}")
  both = np.flatnonzero(np.isfinite(a.per_class) & np.isfinite(b.per_class))
  if not len(both):
    raise ValueError(f"no class has an intra-FID in both {dir_a} (step {a.step}) and {dir_b} (step {b.step})")
  return IntraFIDComparison(both, a.per_class[both], b.per_class[both], a.step, b.step)
