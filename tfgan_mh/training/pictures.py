"""The train job's sample picture: fixed inputs, one row per class (or per source image when translating)."""

import numpy as np
import tensorflow as tf

from tfgan_mh.training import images as images_lib


def _ring_extent(points):
  lo, hi = points.min(0), points.max(0)
  pad = 0.1 * (hi - lo)
  return (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])


def picture_class_ids(num_classes: int, max_classes: int) -> np.ndarray:
  """At most max_classes evenly spaced class ids, first and last included (1000 rows would be a huge PNG)."""
  if max_classes < 1:
    raise ValueError(f"train.picture_classes={max_classes}: must be >= 1")
  return np.unique(np.linspace(0, num_classes - 1, min(num_classes, max_classes)).round().astype(np.int32))


class Pictures:
  """Fixed latents, one row per class (translation: fixed real images, one row each with its translations to
  every shown domain), so pictures are comparable across steps."""

  def __init__(self, trainer, real_batch, per_class: int, max_classes: int, seed: int):
    k = trainer.num_classes
    self.trainer = trainer
    self.two_d = len(trainer.image_shape) == 1
    if self.two_d:
      per_class = max(per_class, 100)
    shown = picture_class_ids(k, max_classes)
    rng = np.random.default_rng(seed)
    self.labels = np.repeat(shown, per_class)
    self.real = real_batch
    self.rows = len(shown)
    self.sources = None
    if trainer.translation:
      # Row i: a real image of domain shown[i] (where the batch has one), then its translation to every shown domain.
      real_x, real_y = real_batch
      picks = [int(np.flatnonzero(real_y == c)[0]) for c in shown if np.any(real_y == c)] or [0]
      self.sources = real_x[picks]
      self.rows = len(picks)
      self.z = np.repeat(self.sources, len(shown), 0).astype(np.float32)
      self.labels = np.tile(shown, len(picks))
    else:
      self.z = rng.standard_normal((len(self.labels), trainer.generator.z_dim)).astype(np.float32)

  def render(self):
    images = self.trainer.sample(tf.constant(self.z), tf.constant(self.labels)).numpy()
    if self.two_d:
      real_x, real_y = self.real
      extent = _ring_extent(np.concatenate([real_x, images], 0))
      left = images_lib.scatter(real_x, real_y, extent=extent)
      right = images_lib.scatter(images, self.labels if self.trainer.conditional
                                 else np.zeros_like(self.labels), background=real_x, extent=extent)
      gap = np.full((left.shape[0], 8, 3), 255, np.uint8)
      return np.concatenate([left, gap, right], 1)  # real data | samples (coloured by input class)
    if self.sources is not None:  # translation: source | its translations, one row per source image
      images = images.reshape(self.rows, -1, *images.shape[1:])
      images = np.concatenate([self.sources[:, None].astype(np.float32), images], 1).reshape(-1, *images.shape[2:])
    # Unconditional G: the same number of samples in the same grid, rows are not classes.
    return images_lib.class_grid(images, self.rows)
