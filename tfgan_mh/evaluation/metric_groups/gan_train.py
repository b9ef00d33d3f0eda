"""gan_train: GAN-train (AAM §4.4), a small classifier trained per checkpoint on the samples (opt-in: slow).

Paper: Sapkota et al. 2022 (AAM).
"""

import functools
from typing import Sequence

import numpy as np

from tfgan_mh import metrics
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming


class GANTrainMetric(streaming.StreamingMetric):
  """GAN-train (AAM §4.4): a fresh small classifier trained on the generated samples (labels y), tested on
  the real validation data. Keeps every sample in memory (O(samples x image)): opt-in."""

  needs = ("real_images",)

  def __init__(self, image_shape: Sequence[int], num_classes: int, *, epochs: int, batch_size: int, seed: int):
    self.image_shape = tuple(image_shape)
    self.num_classes = int(num_classes)
    self.epochs, self.batch_size, self.seed = int(epochs), int(batch_size), seed
    self.fake_x, self.fake_y, self.real_x, self.real_y = [], [], [], []

  def update_fake(self, batch):
    self.fake_x.append(np.asarray(batch.images, np.float32))
    self.fake_y.append(np.asarray(batch.labels))

  def update_real(self, batch):
    self.real_x.append(np.asarray(batch.images, np.float32))
    self.real_y.append(np.asarray(batch.labels))

  def result(self):
    if not self.real_x:
      raise ValueError("no real validation data to test the GAN-train classifier on")
    r = metrics.gan_train(
        make_classifier=functools.partial(metrics.build_small_classifier, self.image_shape, self.num_classes),
        x_generated=np.concatenate(self.fake_x), y_generated=np.concatenate(self.fake_y),
        x_test=np.concatenate(self.real_x), y_test=np.concatenate(self.real_y), epochs=self.epochs,
        batch_size=self.batch_size, seed=self.seed)
    return {"gan_train": r.accuracy}


@registry.register
class GANTrain(registry.MetricGroup):
  name = "gan_train"
  doc = "GAN-train (AAM §4.4): trains a small classifier per checkpoint (slow)"
  keys = ("gan_train",)
  best = {"gan_train": "max"}
  opt_in = True  # trains a classifier per checkpoint
  settings = (registry.Setting("gan_train_epochs", 10, "Epochs of the GAN-train classifier.", positive=True),)

  @classmethod
  def build(cls, ctx):
    ctx.need_conditional("unconditional generator (samples have no labels to train on)")
    ctx.need_validation()
    return GANTrainMetric(ctx.image_shape, ctx.num_classes, epochs=ctx.config.gan_train_epochs,
                          batch_size=ctx.config.batch_size, seed=ctx.config.seed)
