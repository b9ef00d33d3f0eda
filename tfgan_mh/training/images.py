"""Pictures of samples: a grid with one row per class, or a scatter plot for 2-D data (the ring of 002).

Pure numpy (no plotting library) so the train job can write them anywhere `tf.io.gfile` can (gs:// too).
"""

import numpy as np
import tensorflow as tf

# Ten well separated colours (one per class; cycled beyond ten).
_PALETTE = np.array([
    [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
    [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207]], np.uint8)


def to_uint8(images):
  """[-1, 1] floats -> uint8 [0, 255] (values outside are clipped)."""
  images = np.asarray(images, np.float32)
  return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def class_grid(images, num_rows: int, pad: int = 1):
  """Tiles [rows * cols, H, W, C] images in [-1, 1] row-major into one uint8 [H', W', C] picture."""
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


def scatter(points, labels, background=None, size: int = 400, extent=None):
  """Scatter plot of 2-D points coloured by class as a uint8 [size, size, 3] picture.

  Args:
    points: [N, 2] samples. labels: [N] class ids (colours).
    background: optional [M, 2] points (e.g. real data) drawn first in light grey.
    extent: (xmin, xmax, ymin, ymax); default: the bounding box of all points plus 5 %.
  """
  points = np.asarray(points, np.float64)
  allp = points if background is None else np.concatenate([points, np.asarray(background)], 0)
  if extent is None:
    lo, hi = allp.min(0), allp.max(0)
    margin = 0.05 * np.maximum(hi - lo, 1e-6)
    extent = (lo[0] - margin[0], hi[0] + margin[0], lo[1] - margin[1], hi[1] + margin[1])
  xmin, xmax, ymin, ymax = extent
  img = np.full((size, size, 3), 255, np.uint8)

  def _draw(p, colours, radius):
    px = np.round((p[:, 0] - xmin) / (xmax - xmin) * (size - 1)).astype(int)
    py = np.round((ymax - p[:, 1]) / (ymax - ymin) * (size - 1)).astype(int)  # y axis up
    for dx in range(-radius, radius + 1):
      for dy in range(-radius, radius + 1):
        x, y = px + dx, py + dy
        ok = (x >= 0) & (x < size) & (y >= 0) & (y < size)
        img[y[ok], x[ok]] = colours[ok]

  if background is not None:
    bg = np.asarray(background, np.float64)
    _draw(bg, np.full((len(bg), 3), 200, np.uint8), 0)
  _draw(points, _PALETTE[np.asarray(labels) % len(_PALETTE)], 1)
  return img


def write_png(path: str, picture) -> None:
  """Writes a uint8 [H, W, C] picture as PNG (local path or gs://)."""
  tf.io.gfile.makedirs(path.rsplit("/", 1)[0] if "/" in path else ".")
  with tf.io.gfile.GFile(path, "wb") as f:
    f.write(tf.io.encode_png(tf.constant(picture)).numpy())
