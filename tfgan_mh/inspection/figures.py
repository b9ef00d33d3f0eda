"""Figures of an inspection (matplotlib, imported when called; each returns a pyplot Figure)."""

from typing import Dict, Optional, Sequence

import numpy as np

from tfgan_mh import plots
from tfgan_mh.inspection.interpolation import Interpolation
from tfgan_mh.inspection.metrics import DEFAULT_CURVES, Curve, IntraFIDComparison
from tfgan_mh.inspection.samples import check_count, class_samples
from tfgan_mh.run import restore


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
    real_x, real_y = restore.real_data(run)
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
  cols = check_count("cols", cols)
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
