"""Inspecting a trained run: the logic behind notebooks/inspect.ipynb (model_dir local or gs://).

  run = inspect_lib.load(model_dir, "best")             # eval/best.json's step, else the latest checkpoint
  fig = inspect_lib.plot_class_grid(run)                # one row of samples per class (2-D: real | generated)
  curves = inspect_lib.metric_curves(model_dir)         # {"fid": (steps, values), ...} of eval/metrics.jsonl
  cmp = inspect_lib.compare_intra_fid(baseline_dir, model_dir)  # per-class intra-FID, MHGAN Fig. 4c
  inspect_lib.interpolate_z(run, label, n)              # slerp between two latents, one class
  inspect_lib.interpolate_classes(run, z, a, b, n)      # one latent, class embedding from a to b
  inspect_lib.projection_singular_values(run)           # spectrum of D's projection embedding, MHGAN §3.2

Files are read through tf.io.gfile (gs:// works) and never written: metrics.jsonl is parsed read-only (an
eval job may be appending to it; a last line without its newline is being written and is left out).

Samples come from the EMA generator when the run has one (`use_ema`), in inference mode. Class
interpolation feeds the generator class weights (1 - t) e_a + t e_b in place of an integer label, which
mixes its class conditioning (the one-hot input of the MLP / DCGAN / MAGAN generators, the conditional-BN
gain and bias rows of SAGAN; see `tfgan_mh.models.base`): t = 0 and t = 1 are exactly the samples of
classes a and b.

MHGAN is Kavalerov et al. 2019, "cGANs with Multi-Hinge Loss" (arXiv:1912.04216; the `tfgan_mh` package docstring
lists the papers).

The `plot_*` helpers import pyplot when called (importing this module picks no matplotlib backend); each
returns a pyplot Figure. `plot_class_grid` draws the picture of the train job and the sample CLI
(`tfgan_mh.plots`). Bad input raises a one-line ValueError naming the value and what is valid.
"""

import json
import math
from typing import Dict, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np
import tensorflow as tf

from tfgan_mh import plots
from tfgan_mh import sample as sample_lib
from tfgan_mh.evaluation import records as records_lib
from tfgan_mh.run import restore

GENERATE_BATCH = 256  # samples per generator call
# Record keys that are not metrics (bookkeeping), besides "num_*" counts, lists, strings and dicts.
NOT_METRICS = ("step", "wall_time", "checkpoint_time", "intra_fid_num_classes")
# Curves the notebook shows by default (those the run's records hold), in this order.
DEFAULT_CURVES = ("fid", "is_mean", "intra_fid_mean", "classifier_is_mean", "am_score", "validation_accuracy",
                  "self_accuracy", "projection_accuracy", "d_real_accuracy", "d_fake_accuracy", "gan_test",
                  "gan_train", "confidence_mean", "ms_ssim_max", "pairwise_distance_128", "energy_gap",
                  "margin")
INTERPOLATION_METHODS = ("slerp", "linear")

Checkpoint = Union[str, int]  # "best", "latest", a step, or a checkpoint prefix
Curve = Tuple[np.ndarray, np.ndarray]  # (steps [N] int64, values [N] float64)


# --- loading --------------------------------------------------------------------------------------

def _model_dir(model_dir) -> str:
  if not model_dir or not isinstance(model_dir, str):
    raise ValueError(f"model_dir={model_dir!r}: expected a run directory (local path or gs://...) written "
                     "by tfgan_mh.train")
  return model_dir.rstrip("/")


def _best(model_dir: str) -> Optional[dict]:
  return records_lib.read_json(f"{model_dir}/{restore.BEST_FILE}")


def resolve_step(model_dir: str, checkpoint: Checkpoint = "best") -> Checkpoint:
  """What `load` restores: "best" is the step in eval/best.json, or "latest" when the eval job wrote none.

  The step (not best.json's checkpoint path) is used, so a run copied elsewhere (gs:// -> local) resolves.
  Other values ("latest", a step, a checkpoint prefix) are returned unchanged.
  """
  model_dir = _model_dir(model_dir)
  if checkpoint == "best":
    best = _best(model_dir)
    return "latest" if best is None else int(best["step"])
  return checkpoint


def load(model_dir: str, checkpoint: Checkpoint = "best", *, with_discriminator: bool = True) -> restore.Run:
  """Restores a run (`tfgan_mh.run.restore.load_run`); "best" falls back to "latest" (see resolve_step).

  Args:
    model_dir: the run directory (local or gs://).
    checkpoint: "best", "latest", a step number, or a checkpoint prefix.
    with_discriminator: also restore D (needed by `projection_singular_values`).

  Raises:
    ValueError: not a run, no checkpoint, an unknown checkpoint (the message lists the steps).
  """
  model_dir = _model_dir(model_dir)
  which = resolve_step(model_dir, checkpoint)
  return restore.load_run(model_dir, which, with_discriminator=with_discriminator)


# --- samples --------------------------------------------------------------------------------------

def _check_count(name: str, value, minimum: int = 1) -> int:
  if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
    raise ValueError(f"{name}={value!r}: expected an int >= {minimum}")
  return int(value)


def _check_label(run: restore.Run, name: str, label) -> Optional[int]:
  """A class id of a conditional run; None for an unconditional one."""
  if not run.conditional:
    if label is not None:
      raise ValueError(f"{name}={label!r}: the run in {run.model_dir} has an unconditional generator (no "
                       "class input); pass None")
    return None
  k = run.num_classes
  if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label < k:
    raise ValueError(f"{name}={label!r}: expected a class id in 0..{k - 1} (num_classes={k})")
  return int(label)


def evenly_spaced_classes(num_classes: int, max_classes: int) -> list:
  """At most `max_classes` evenly spaced class ids, first and last included (rows of a grid for large K)."""
  _check_count("num_classes", num_classes)
  _check_count("max_classes", max_classes)
  return sorted({int(c) for c in np.linspace(0, num_classes - 1, min(num_classes, max_classes)).round()})


def latents(run: restore.Run, n: int, seed: int = 0) -> np.ndarray:
  """[n, z_dim] float32 standard normal latents (numpy default_rng(seed)), as `tfgan_mh.sample` draws them."""
  n = _check_count("n", n)
  return np.random.default_rng(seed).standard_normal((n, run.generator.z_dim)).astype(np.float32)


def generate(run: restore.Run, z, labels=None, use_ema: bool = True) -> np.ndarray:
  """Samples [B, *image_shape] float32 of G(z [B, z_dim], labels [B] int or class weights [B, K] float).

  Generated in batches of GENERATE_BATCH; `labels` is ignored (may be None) for an unconditional run.
  """
  z = np.asarray(z, np.float32)
  if z.ndim != 2 or z.shape[1] != run.generator.z_dim:
    raise ValueError(f"z has shape {z.shape}: expected [B, z_dim={run.generator.z_dim}]")
  if run.conditional:
    if labels is None:
      raise ValueError(f"labels=None: the run in {run.model_dir} is class-conditional; pass class ids [B] "
                       f"in 0..{run.num_classes - 1} or class weights [B, {run.num_classes}]")
    labels = np.asarray(labels)
    if len(labels) != len(z):
      raise ValueError(f"{len(labels)} labels for {len(z)} latents: expected one per latent")
  out = []
  for i in range(0, len(z), GENERATE_BATCH):
    y = None if not run.conditional else tf.constant(labels[i:i + GENERATE_BATCH])
    out.append(run.sample(tf.constant(z[i:i + GENERATE_BATCH]), y, use_ema=use_ema).numpy())
  return np.concatenate(out, 0)


def class_samples(run: restore.Run, classes: Optional[Sequence[int]] = None, per_class: int = 8,
                  seed: int = 0, use_ema: bool = True,
                  shared_z: bool = False) -> Tuple[np.ndarray, np.ndarray]:
  """`per_class` samples of each class, row-major: (samples [R * per_class, ...], labels [R * per_class]).

  Args:
    run: the restored run.
    classes: class ids, one row each (None: every class). Must be None for an unconditional run, which
      gets one row (labels all 0).
    per_class: samples per class.
    seed: seed of the latents.
    use_ema: the EMA generator when the run has one.
    shared_z: the same `per_class` latents in every row (column j shows one z across the classes).
  """
  per_class = _check_count("per_class", per_class)
  if not run.conditional:
    if classes is not None:
      raise ValueError(f"classes={classes!r}: the run in {run.model_dir} has an unconditional generator; "
                       "pass classes=None")
    rows = np.zeros([1], np.int32)
  else:
    k = run.num_classes
    rows = np.arange(k, dtype=np.int32) if classes is None else np.asarray(
        [_check_label(run, f"classes[{i}]", c) for i, c in enumerate(classes)], np.int32)
    if not len(rows):
      raise ValueError(f"classes={classes!r}: expected at least one class id in 0..{k - 1}")
  z = latents(run, per_class if shared_z else len(rows) * per_class, seed)
  if shared_z:
    z = np.tile(z, (len(rows), 1))
  labels = np.repeat(rows, per_class)  # row r holds class rows[r]
  return generate(run, z, labels, use_ema), labels


# --- eval/metrics.jsonl ---------------------------------------------------------------------------

def read_metrics(model_dir: str) -> list:
  """The records of MODEL_DIR/eval/metrics.jsonl by step (the last record of a step wins), read-only.

  Raises:
    ValueError: model_dir is not a run, or its eval/metrics.jsonl does not exist or holds no record yet.
  """
  model_dir = _model_dir(model_dir)
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
  model_dir = _model_dir(model_dir)
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


# --- interpolation --------------------------------------------------------------------------------

class Interpolation(NamedTuple):
  """n samples along a path: z (and class weights for a class interpolation) at t = 0 .. 1."""
  samples: np.ndarray  # [n, *image_shape] float32 (images in [-1, 1], or points)
  t: np.ndarray  # [n] in [0, 1]
  z: np.ndarray  # [n, z_dim]
  class_weights: Optional[np.ndarray]  # [n, K] (class interpolation), else None
  labels: Optional[np.ndarray]  # [n] int (z interpolation of a conditional run), else None


def slerp(z_from, z_to, t) -> np.ndarray:
  """Spherical interpolation [n, d] between two latents (the great circle, scaled; linear if parallel)."""
  z_from, z_to = np.asarray(z_from, np.float64), np.asarray(z_to, np.float64)
  t = np.asarray(t, np.float64)[:, None]
  cos = np.dot(z_from, z_to) / max(np.linalg.norm(z_from) * np.linalg.norm(z_to), 1e-12)
  omega = np.arccos(np.clip(cos, -1.0, 1.0))
  if np.sin(omega) < 1e-6:
    return (1 - t) * z_from + t * z_to
  return (np.sin((1 - t) * omega) * z_from + np.sin(t * omega) * z_to) / np.sin(omega)


def _one_latent(run: restore.Run, name: str, z) -> np.ndarray:
  z = np.asarray(z, np.float32)
  if z.shape not in ((run.generator.z_dim,), (1, run.generator.z_dim)):
    raise ValueError(f"{name} has shape {z.shape}: expected one latent [z_dim={run.generator.z_dim}]")
  return z.reshape(-1)


def interpolate_z(run: restore.Run, label: Optional[int], n: int = 8, *, seed: int = 0, z_from=None,
                  z_to=None, method: str = "slerp", use_ema: bool = True) -> Interpolation:
  """Samples of one class along a path in z from `z_from` (t = 0) to `z_to` (t = 1).

  Args:
    run: the restored run.
    label: the class (None for an unconditional run).
    n: samples along the path (>= 2).
    seed: seed of the two end latents when `z_from` / `z_to` are not given (`latents(run, 2, seed)`).
    z_from, z_to: end latents [z_dim].
    method: "slerp" (the usual path for Gaussian latents) or "linear".
    use_ema: the EMA generator when the run has one.
  """
  label = _check_label(run, "label", label)
  n = _check_count("n", n, 2)
  if method not in INTERPOLATION_METHODS:
    raise ValueError(f"method={method!r}: expected one of {', '.join(INTERPOLATION_METHODS)}")
  ends = latents(run, 2, seed)
  z0 = ends[0] if z_from is None else _one_latent(run, "z_from", z_from)
  z1 = ends[1] if z_to is None else _one_latent(run, "z_to", z_to)
  t = np.linspace(0.0, 1.0, n)
  z = slerp(z0, z1, t) if method == "slerp" else (1 - t[:, None]) * z0 + t[:, None] * z1
  z = z.astype(np.float32)
  z[0], z[-1] = z0, z1  # the ends exactly
  labels = None if label is None else np.full([n], label, np.int32)
  return Interpolation(generate(run, z, labels, use_ema), t, z, None, labels)


def class_weights(num_classes: int, label_a: int, label_b: int, t) -> np.ndarray:
  """[n, K] float32 rows (1 - t) e_a + t e_b: the class-weight input of a conditional generator."""
  t = np.asarray(t, np.float32)
  w = np.zeros([len(t), num_classes], np.float32)
  w[:, label_a] += 1 - t
  w[:, label_b] += t
  return w


def interpolate_classes(run: restore.Run, z, label_a: int, label_b: int, n: int = 8, *,
                        use_ema: bool = True) -> Interpolation:
  """Samples of one latent while the class conditioning moves from class `label_a` (t = 0) to `label_b`.

  The generator gets class weights (1 - t) e_a + t e_b (see the module docstring): its class embedding is
  interpolated; the ends are exactly G(z, label_a) and G(z, label_b).

  Args:
    run: a restored class-conditional run.
    z: one latent [z_dim] (or [1, z_dim]), e.g. `latents(run, 1, seed)`.
    label_a, label_b: class ids.
    n: samples along the path (>= 2).
    use_ema: the EMA generator when the run has one.
  """
  if not run.conditional:
    raise ValueError(f"the run in {run.model_dir} has an unconditional generator: there is no class "
                     "conditioning to interpolate (use interpolate_z)")
  label_a, label_b = _check_label(run, "label_a", label_a), _check_label(run, "label_b", label_b)
  n = _check_count("n", n, 2)
  z = np.tile(_one_latent(run, "z", z)[None], (n, 1))
  t = np.linspace(0.0, 1.0, n)
  weights = class_weights(run.num_classes, label_a, label_b, t)
  return Interpolation(generate(run, z, weights, use_ema), t, z, weights, None)


# --- projection embedding -------------------------------------------------------------------------

def projection_embedding(run: restore.Run, normalized: bool = True) -> np.ndarray:
  """The class embedding E [K, F] of D's projection head (MHGAN Fig. 2a; also D's classifier in MHSharedGAN).

  Args:
    run: a run restored with its discriminator.
    normalized: E / sigma(E) as D uses it at inference (spectral norm, the stored power-iteration
      state), or the raw trained matrix E.

  Raises:
    ValueError: the run was loaded without D, or D has no projection head (the message names its heads).
  """
  d = run.discriminator
  if d is None:
    raise ValueError(f"the run in {run.model_dir} was loaded without its discriminator: load it with "
                     "with_discriminator=True")
  heads = tuple(getattr(d, "heads", ()))
  if "projection" not in heads:
    raise ValueError(f"the discriminator of {run.model_dir} has heads {heads}: no projection embedding (only "
                     "runs whose heads include 'projection' have one)")
  embed = d.head.embed
  table = embed.table(training=False) if normalized else embed.kernel
  return np.asarray(tf.convert_to_tensor(table), np.float64)


def projection_singular_values(run: restore.Run, normalized: bool = True) -> np.ndarray:
  """Singular values [min(K, F)] of `projection_embedding(run, normalized)`, descending (MHGAN §3.2).

  MHGAN §3.2: the spectrum (rank vs value) of a healthy projection is sigmoid-shaped; a steep exponential
  decay means the projection collapsed to a few dimensions (MHSharedGAN, Fig. 8).
  """
  return np.linalg.svd(projection_embedding(run, normalized), compute_uv=False)


# --- plots (matplotlib, imported when called) -----------------------------------------------------

def _pyplot():
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  return plt


def plot_class_grid(run: restore.Run, classes: Optional[Sequence[int]] = None, per_class: int = 8,
                    seed: int = 0, use_ema: bool = True, shared_z: bool = False):
  """A figure of `class_samples`: the image grid with the class names on the rows, or for 2-D points the
  "real data" | generated panels coloured by class (the train job's picture, `tfgan_mh.plots`)."""
  samples, labels = class_samples(run, classes, per_class, seed, use_ema, shared_z)
  names = run.info.get("class_names")
  which = "EMA generator" if (use_ema and run.ema_generator is not None) else "generator"
  title = f"{which}, step {run.step}"
  fig = _pyplot().figure()
  if samples.ndim == 2:
    real_x, real_y = sample_lib.real_data(run)
    return plots.points_figure(real_x, real_y, samples, labels, title=title, num_classes=run.num_classes,
                               class_names=names, conditional=run.conditional, fig=fig)
  rows = [plots.class_name(c, names) if run.conditional else "" for c in labels[::per_class]]
  return plots.grid_figure(samples, rows, title=title, fig=fig)


def plot_metric_curves(curves: Dict[str, Curve],
                       metrics: Optional[Sequence[str]] = None, cols: int = 3, title: str = ""):
  """One panel per metric (value vs step) of `metric_curves`.

  Args:
    curves: {metric: (steps, values)}; or {run label: curves} to overlay runs (one line each).
    metrics: the panels (None: DEFAULT_CURVES that are present, or every metric when none is).
    cols: panels per row.
    title: figure title.
  """
  plt = _pyplot()
  cols = _check_count("cols", cols)
  runs = curves if curves and all(isinstance(v, dict) for v in curves.values()) else {"": curves}
  present = sorted({m for c in runs.values() for m in c})
  if metrics is None:
    metrics = [m for m in DEFAULT_CURVES if m in present] or present
  for m in metrics:
    if m not in present:
      raise ValueError(f"metric {m!r} has no curve; available: {', '.join(present) or 'none'}")
  if not metrics:
    raise ValueError("no metric curves to plot (metrics.jsonl holds no scalar metric)")
  rows = -(-len(metrics) // cols)
  fig, axes = plt.subplots(rows, min(cols, len(metrics)), figsize=(4.2 * min(cols, len(metrics)), 3 * rows),
                           squeeze=False)
  for ax, m in zip(axes.flat, metrics):
    for label, c in runs.items():
      if m in c:
        steps, values = c[m]
        ax.plot(steps, values, marker="o", markersize=3, label=label or None)
    ax.set_title(m, fontsize="small")
    ax.set_xlabel("step")
    if len(runs) > 1:
      ax.legend(fontsize="x-small")
  for ax in list(axes.flat)[len(metrics):]:
    ax.axis("off")
  if title:
    fig.suptitle(title, fontsize="small")
  fig.tight_layout()
  return fig


def plot_intra_fid_comparison(comparison: IntraFIDComparison, label_a: str = "A", label_b: str = "B"):
  """MHGAN Fig. 4c: intra-FID of B against A per class, with y = x; points below it are classes B improves."""
  plt = _pyplot()
  c = comparison
  fig, ax = plt.subplots(figsize=(5.5, 5.5))
  ax.scatter(c.a, c.b, s=12)
  lo = float(min(c.a.min(), c.b.min()))
  hi = float(max(c.a.max(), c.b.max()))
  pad = 0.05 * max(hi - lo, 1e-6)
  ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color="red", linewidth=1, label="y = x")
  if len(c.classes) <= 20:
    for k, x, y in zip(c.classes, c.a, c.b):
      ax.annotate(str(k), (x, y), fontsize="x-small", xytext=(2, 2), textcoords="offset points")
  ax.set_xlim(lo - pad, hi + pad)
  ax.set_ylim(lo - pad, hi + pad)
  ax.set_aspect("equal")
  ax.set_xlabel(f"intra-FID {label_a} (step {c.step_a})")
  ax.set_ylabel(f"intra-FID {label_b} (step {c.step_b})")
  ax.set_title(f"{c.num_better_b} of {len(c.classes)} classes below the line ({label_b} better); mean "
               f"{np.mean(c.a):.4g} vs {np.mean(c.b):.4g}", fontsize="small")
  ax.legend(fontsize="small")
  fig.tight_layout()
  return fig


def plot_interpolations(interpolations: Dict[str, Interpolation]):
  """One row per interpolation: the images along the path, or the 2-D points coloured by t."""
  plt = _pyplot()
  if not interpolations:
    raise ValueError("interpolations={}: expected {title: Interpolation}")
  first = next(iter(interpolations.values()))
  points = first.samples.ndim == 2
  n = len(interpolations)
  if points:
    fig, axes = plt.subplots(1, n, figsize=(4.5 * n, 4.5), squeeze=False)
  else:
    fig, axes = plt.subplots(n, 1, figsize=(min(16, 1.1 * len(first.t)), 1.5 * n), squeeze=False)
  for ax, (title, interp) in zip(axes.flat, interpolations.items()):
    if points:
      ax.plot(interp.samples[:, 0], interp.samples[:, 1], color="lightgrey", zorder=0)
      sc = ax.scatter(interp.samples[:, 0], interp.samples[:, 1], c=interp.t, cmap="viridis", s=20)
      fig.colorbar(sc, ax=ax, label="t")
    else:
      plots.show_grid(ax, interp.samples, [""])
    ax.set_title(title, fontsize="small")
  fig.tight_layout()
  return fig


def plot_singular_values(spectra: Dict[str, np.ndarray], normalize: bool = True, log: bool = False):
  """Rank vs singular value of projection embeddings (MHGAN §3.2), one line per run.

  Args:
    spectra: {label: singular values (descending)}.
    normalize: divide each spectrum by its largest value (compares shapes: sigmoid vs steep exponential).
    log: logarithmic value axis.
  """
  plt = _pyplot()
  if not spectra:
    raise ValueError("spectra={}: expected {label: singular values}")
  fig, ax = plt.subplots(figsize=(6, 4))
  for label, values in spectra.items():
    values = np.asarray(values, np.float64)
    if normalize and values.size and values[0] > 0:
      values = values / values[0]
    ax.plot(np.arange(1, len(values) + 1), values, marker="o", markersize=3, label=label)
  ax.set_xlabel("rank")
  ax.xaxis.get_major_locator().set_params(integer=True)
  ax.set_ylabel("singular value" + (" / largest" if normalize else ""))
  if log:
    ax.set_yscale("log")
  ax.set_title("spectrum of the projection embedding (MHGAN §3.2)", fontsize="small")
  ax.legend(fontsize="small")
  fig.tight_layout()
  return fig
