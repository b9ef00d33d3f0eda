"""The train job's sample picture: fixed inputs, one row per class (or per source image when translating).

`Pictures.generate` runs the generator (on every worker: the same computations everywhere);
`Pictures.figure` draws its output with `tfgan_mh.plots` (the chief's model_dir/samples/step_N.png and the
"samples" TensorBoard image).
"""

import dataclasses
from typing import Optional, Sequence

import gin
import numpy as np
import tensorflow as tf

from tfgan_mh import plots
from tfgan_mh.training.settings import check_positive_int


@gin.configurable("pictures")
@dataclasses.dataclass(frozen=True)
class PictureSettings:
  """The sample picture (gin `pictures.*`): samples per class, and at most `max_classes` rows (evenly spaced
  classes); a bad value is a one-line ValueError when made."""

  images_per_class: int = 8
  max_classes: int = 20

  def __post_init__(self):
    check_positive_int("pictures.images_per_class", self.images_per_class)
    check_positive_int("pictures.max_classes", self.max_classes)


def picture_class_ids(num_classes: int, max_classes: int) -> np.ndarray:
  """At most max_classes evenly spaced class ids, first and last included (1000 rows would be a huge PNG)."""
  check_positive_int("pictures.max_classes", max_classes)
  return np.unique(np.linspace(0, num_classes - 1, min(num_classes, max_classes)).round().astype(np.int32))


PREVIEW_BATCH = 512  # real examples drawn for the picture where it needs many: 10 balanced classes all appear


def preview_batch_size(image_shape: Sequence[int], takes_images: bool, global_batch_size: int) -> int:
  """How many real examples the picture draws: `PREVIEW_BATCH` for 2-D data (its "real data" panel) and for an
  image-to-image G (one source row per shown domain: a training batch of 32 lacks one of 10 balanced classes
  about 3 times in 10), else the training batch (unused but for its shape)."""
  return PREVIEW_BATCH if len(image_shape) == 1 or takes_images else global_batch_size


class Pictures:
  """Fixed latents, one row per class (an image-to-image G: fixed real images, one row each with G's output for
  every shown domain), so pictures are comparable across steps.

  Args:
    trainer: the `GANTrainer` (its generator and its `takes_images`, sample(), num_classes, conditional).
    real_batch: (images, labels) of real data: the 2-D picture's "real data" panel, an image-to-image G's sources.
    per_class: samples per class (2-D data: at least 100).
    max_classes: at most this many classes are shown (`picture_class_ids`).
    seed: seed of the fixed latents.
    class_names: the data's class names (None: "class k").
  """

  def __init__(self, trainer, real_batch, per_class: int, max_classes: int, seed: int,
               class_names: Optional[Sequence[str]] = None):
    k = trainer.num_classes
    self.trainer = trainer
    self.class_names = class_names
    self.two_d = len(trainer.image_shape) == 1
    if self.two_d:
      per_class = max(per_class, 100)
    self.shown = picture_class_ids(k, max_classes)
    rng = np.random.default_rng(seed)
    self.labels = np.repeat(self.shown, per_class)
    self.real = real_batch
    self.rows = len(self.shown)
    self.sources = None
    if trainer.generator.takes_images:
      # Row i: a real image of domain shown[i] (where the batch has one), then G(x, c) for every shown c.
      real_x, real_y = real_batch
      picks = [int(np.flatnonzero(real_y == c)[0]) for c in self.shown if np.any(real_y == c)] or [0]
      self.sources, self.source_labels = real_x[picks], real_y[picks]
      self.rows = len(picks)
      self.z = np.repeat(self.sources, len(self.shown), 0).astype(np.float32)
      self.labels = np.tile(self.shown, len(picks))
    else:
      self.z = rng.standard_normal((len(self.labels), trainer.generator.z_dim)).astype(np.float32)

  def generate(self) -> np.ndarray:
    """The generator's output for the fixed inputs: [rows * per_class, *image_shape]."""
    return self.trainer.sample(tf.constant(self.z), tf.constant(self.labels)).numpy()

  def figure(self, samples, step: int):
    """The picture of `generate()`'s samples at training step `step` (a matplotlib Figure)."""
    names = self.class_names
    if self.two_d:  # real data | samples coloured by their input class, same axes
      real_x, real_y = self.real
      return plots.points_figure(real_x, real_y, samples, self.labels, title=f"generated, step {step}",
                                 num_classes=self.trainer.num_classes, class_names=names,
                                 conditional=self.trainer.conditional)
    if self.sources is not None:  # G(x, c): source | G(source, c) for every shown c, one row per source image
      return plots.image_to_image_figure(self.sources, self.source_labels, samples, self.shown,
                                         title=f"image-to-image samples, step {step}", class_names=names)
    # Unconditional G: the same number of samples in the same grid, rows are not classes.
    rows = [plots.class_name(c, names) if self.trainer.conditional else "" for c in self.shown]
    return plots.grid_figure(samples, rows, title=f"generated, step {step}")
