"""Pictures a person reads: a generator's samples drawn with matplotlib (Agg; no display needed).

One drawing of each picture, shared by the train job (model_dir/samples/step_N.png and TensorBoard), the
sample CLI (`python -m tfgan_mh.cli.sample`) and the notebook helpers (`tfgan_mh.inspection`):

  points_figure  2-D data (the ring of Kavalerov et al. 2020 (K+1 GANs)): "real data" | "generated ..." side
                 by side, equal axes with the same limits, one colour per class (qualitative colormap), a legend of
                 class names.
  grid_figure    images: one row per class with its name on the left, the title above; pixels in [-1, 1]
                 shown as [0, 1] (`to_uint8`), grayscale as grayscale.

The builders return a `matplotlib.figure.Figure` made without pyplot (no global figure list to leak or
close; tests inspect its axes, titles and legend). A notebook passes `fig=plt.figure()` to get a figure it
displays. `to_array` renders a figure to uint8 RGB pixels (for TensorBoard and `write_png`).
Class names come from the data (`DataSource.class_names`, stored in run_info.json); without them a
class is "class k".
"""

from typing import Optional, Sequence

import matplotlib
import numpy as np
import tensorflow as tf
from matplotlib import colors as mpl_colors
from matplotlib import figure as mpl_figure
from matplotlib.backends import backend_agg

DPI = 100
GRID_TARGET_PX = 900  # image grids are magnified by a whole factor until their long side is about this
GRID_MAX_SCALE = 6    # ... but at most this many screen pixels per image pixel
GRID_MAX_PX = 30_000  # longer grids (e.g. 1000 ImageNet classes) are shrunk to this (Agg draws < 2^16 px)
POINT_SIZE = 6        # marker area (pt^2) of a generated / real 2-D sample
BACKGROUND = "#d4d4d4"  # the real data behind the generated points (light grey: no class has a grey)
# tab10 with its grey (index 7) made near-black, so no class looks like the real data behind the samples.
TAB10 = np.array(matplotlib.colormaps["tab10"].colors)
TAB10[7] = mpl_colors.to_rgb("#262626")


def to_uint8(images) -> np.ndarray:
  """[-1, 1] floats -> uint8 [0, 255]: round((x + 1) * 127.5), clipped (the pixels of every picture)."""
  images = np.asarray(images, np.float32)
  return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def tile(images, num_rows: int, pad: int = 1) -> np.ndarray:
  """Tiles [rows * cols, H, W, C] images in [-1, 1] row-major into one uint8 [H', W', C] array, white gaps."""
  images = to_uint8(images)
  n, h, w, c = images.shape
  if n % num_rows:
    raise ValueError(f"{n} images do not fill {num_rows} rows evenly")
  cols = n // num_rows
  out = np.full((num_rows * (h + pad) + pad, cols * (w + pad) + pad, c), 255, np.uint8)
  for i in range(n):
    r, col = divmod(i, cols)
    out[pad + r * (h + pad):pad + r * (h + pad) + h, pad + col * (w + pad):pad + col * (w + pad) + w] = images[i]
  return out


def class_name(k: int, names: Optional[Sequence[str]] = None) -> str:
  """The name of class k (`names[k]` when the data has names), else "class k"."""
  k = int(k)
  return str(names[k]) if names is not None and 0 <= k < len(names) else f"class {k}"


def class_colors(class_ids, num_classes: int) -> np.ndarray:
  """RGBA [N, 4]: a colour per class id, fixed by the id (a class keeps its colour in every panel and step).

  Qualitative colormaps: tab10 up to 10 classes (`TAB10`), tab20 (dark shades first) up to 20; beyond that,
  evenly spaced hues of turbo (neighbouring classes then look alike: too many classes to tell apart by colour).
  """
  ids = np.asarray(class_ids, np.int64)
  if num_classes <= 10:
    return mpl_colors.to_rgba_array(TAB10[ids])
  if num_classes <= 20:
    order = np.r_[0:20:2, 1:20:2]  # the ten dark shades, then their light partners
    return matplotlib.colormaps["tab20"](order[ids])
  return matplotlib.colormaps["turbo"](ids / (num_classes - 1))


def _new_figure(fig, width: float, height: float, layout: Optional[str] = "constrained"):
  fig = fig if fig is not None else mpl_figure.Figure(dpi=DPI)
  fig.set_size_inches(width, height)
  if layout == "constrained":
    fig.set_layout_engine(layout, w_pad=0.1, h_pad=0.08)  # inches around the labels: none touches the edge
  else:
    fig.set_layout_engine(layout)
  return fig


def _square_limits(points):
  """(lo, hi) of both axes: the bounding box of all points made square, plus 8 %."""
  lo, hi = points.min(0), points.max(0)
  centre, half = (lo + hi) / 2, max(float(np.max(hi - lo)) / 2, 1e-6) * 1.08
  return (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)


def _scatter_classes(ax, points, labels, num_classes, names, handles):
  for k in np.unique(labels):
    pts = points[labels == k]
    handles[int(k)] = ax.scatter(pts[:, 0], pts[:, 1], s=POINT_SIZE, color=class_colors([k], num_classes),
                                 alpha=0.8, linewidths=0, label=class_name(k, names))


def points_figure(real, real_labels, samples, labels, *, title: str, num_classes: int,
                  class_names: Optional[Sequence[str]] = None, conditional: bool = True, fig=None):
  """2-D samples: "real data" (when `real` is given) and `title` panels, coloured by class.

  Args:
    real: [M, 2] real points or None; real_labels: [M] their classes.
    samples: [N, 2] generated points; labels: [N] the classes they were generated for.
    title: the generated panel's title, e.g. "generated, step 2000".
    num_classes: K (fixes the colours); class_names: K names or None ("class k").
    conditional: False for a generator without class input: its samples are one colour.
    fig: an empty Figure to draw in (default: a new one).
  """
  samples, labels = np.asarray(samples, np.float64), np.asarray(labels)
  panels = 1 if real is None else 2
  width = 4.2 * panels + 1.8
  fig = _new_figure(fig, width, 4.6, layout=None)  # fixed margins: a constrained layout doubles the time
  fig.subplots_adjust(left=0.7 / width, right=1 - 1.9 / width, bottom=0.11, top=0.92, wspace=0.25)
  axes = fig.subplots(1, panels, squeeze=False)[0]
  handles = {}
  if real is not None:
    real = np.asarray(real, np.float64)
    _scatter_classes(axes[0], real, np.asarray(real_labels), num_classes, class_names, handles)
    axes[0].set_title("real data")
  ax = axes[-1]
  if real is not None:
    ax.scatter(real[:, 0], real[:, 1], s=POINT_SIZE / 2, color=BACKGROUND, linewidths=0, zorder=0)
  if conditional:
    _scatter_classes(ax, samples, labels, num_classes, class_names, handles)
  else:
    handles["g"] = ax.scatter(samples[:, 0], samples[:, 1], s=POINT_SIZE, color=TAB10[0], alpha=0.8,
                              linewidths=0, label="generated (no class input)")
  ax.set_title(title)
  xlim, ylim = _square_limits(samples if real is None else np.concatenate([real, samples], 0))
  for a in axes:
    a.set(xlim=xlim, ylim=ylim, xlabel="x\u2081", ylabel="x\u2082")
    a.set_aspect("equal")
  if real is not None:
    handles["r"] = ax.scatter([], [], s=POINT_SIZE, color=BACKGROUND, label="real data (behind)")
  ordered = [handles[k] for k in sorted(h for h in handles if isinstance(h, int))]
  ordered += [handles[k] for k in ("g", "r") if k in handles]
  fig.legend(handles=ordered, loc="center left", bbox_to_anchor=(1 - 1.8 / width, 0.5), markerscale=2.5,
             frameon=False, fontsize="small" if len(ordered) > 12 else "medium")
  return fig


def show_grid(ax, images, row_labels: Sequence[str], col_labels: Optional[Sequence[str]] = None) -> np.ndarray:
  """Draws [rows * cols, H, W, C] images in [-1, 1] on `ax`, a row label left of each row (and a label under
  each column when given); returns the uint8 array drawn (`tile`)."""
  grid = tile(images, len(row_labels))
  h, w = np.asarray(images).shape[1:3]
  if grid.shape[-1] == 1:
    ax.imshow(grid[..., 0], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
  else:
    ax.imshow(grid, interpolation="nearest")
  ax.set_yticks([1 + r * (h + 1) + (h - 1) / 2 for r in range(len(row_labels))], list(row_labels))
  cols = (grid.shape[1] - 1) // (w + 1)
  ax.set_xticks([1 + c * (w + 1) + (w - 1) / 2 for c in range(cols)] if col_labels else [],
                list(col_labels or []))
  ax.tick_params(length=0)
  for spine in ax.spines.values():
    spine.set_visible(False)
  return grid


def grid_figure(images, row_labels: Sequence[str], *, title: str,
                col_labels: Optional[Sequence[str]] = None, fig=None):
  """Images in rows (one per class): `row_labels[r]` left of row r, `title` above.

  Args:
    images: [rows * cols, H, W, C] in [-1, 1], row-major; C = 1 is drawn in grayscale.
    row_labels: one label per row (class names; "" for rows that are not classes).
    title: e.g. "generated, step 2000".
    col_labels: optional labels under the columns (translations: "source", "to <class>", ...).
    fig: an empty Figure to draw in (default: a new one).
  """
  images = np.asarray(images)
  rows = len(row_labels)
  h, w = images.shape[1:3]
  grid_h, grid_w = rows * (h + 1) + 1, (len(images) // max(rows, 1)) * (w + 1) + 1
  scale = int(np.clip(GRID_TARGET_PX // max(grid_h, grid_w), 1, GRID_MAX_SCALE))
  scale = min(scale, GRID_MAX_PX / max(grid_h, grid_w))
  label_in = 0.3 + 0.075 * max([len(s) for s in row_labels] + [0])
  fig = _new_figure(fig, max(grid_w * scale / DPI + label_in + 0.3, 3.0),
                    grid_h * scale / DPI + 0.6 + (0.35 if col_labels else 0.0))
  ax = fig.subplots()
  show_grid(ax, images, row_labels, col_labels)
  ax.set_title(title)
  return fig


def image_to_image_figure(sources, source_labels, translations, targets, *, title: str,
                       class_names: Optional[Sequence[str]] = None, fig=None):
  """Image-to-image translation: row i is source image i, then its translation to every target domain.

  Args:
    sources: [n, H, W, C] real images in [-1, 1]; source_labels: [n] their classes (the row labels).
    translations: [n * len(targets), H, W, C], row-major: source i translated to targets[0], targets[1], ...
    targets: the target domains (the column labels "to <class>").
    title, class_names, fig: as `grid_figure`.
  """
  sources = np.asarray(sources, np.float32)
  translations = np.asarray(translations).reshape(len(sources), len(targets), *sources.shape[1:])
  grid = np.concatenate([sources[:, None], translations], 1)  # [n, 1 + len(targets), H, W, C]
  return grid_figure(grid.reshape(-1, *sources.shape[1:]), [class_name(c, class_names) for c in source_labels],
                     title=title, col_labels=["source"] + [f"to {class_name(c, class_names)}" for c in targets],
                     fig=fig)


def to_array(fig) -> np.ndarray:
  """Renders a figure made here (Agg) to uint8 RGB [H, W, 3] and empties it (frees its artists)."""
  canvas = backend_agg.FigureCanvasAgg(fig)
  canvas.draw()
  picture = np.array(canvas.buffer_rgba())[..., :3]
  fig.clear()
  return picture


def write_png(path: str, picture) -> None:
  """Writes a uint8 [H, W, C] picture as PNG (local path or gs://), creating its folder."""
  tf.io.gfile.makedirs(path.rsplit("/", 1)[0] if "/" in path else ".")
  with tf.io.gfile.GFile(path, "wb") as f:
    f.write(tf.io.encode_png(tf.constant(picture)).numpy())
