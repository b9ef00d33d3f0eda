"""The train job's sample picture (`tfgan_mh.training.pictures`) with a stand-in trainer: what it shows."""

import math
import types

import numpy as np
import tensorflow as tf

from tfgan_mh import plots
from tfgan_mh.training import pictures


def _trainer(image_shape, num_classes=3, conditional=True, translation=False):
  """The part of `GANTrainer` the pictures use; its generator returns label / 100 everywhere (+ z[0] for 2-D)."""

  def sample(z, labels):
    y = tf.cast(labels, tf.float32)[:, None] / 100.0  # [B, 1]
    if len(image_shape) == 1:
      return tf.concat([y, z[:, :1]], 1)  # [B, 2]
    return tf.broadcast_to(tf.reshape(y, [-1, 1, 1, 1]), [len(labels), *image_shape])

  return types.SimpleNamespace(num_classes=num_classes, image_shape=image_shape, conditional=conditional,
                               generator=types.SimpleNamespace(z_dim=4, takes_images=translation),
                               sample=sample)


class PicturesTest(tf.test.TestCase):

  def test_ring_picture(self):
    real = (np.random.default_rng(0).standard_normal((30, 2)), np.arange(30) % 3)
    pics = pictures.Pictures(_trainer((2,)), real, per_class=4, max_classes=10, seed=0,
                             class_names=("cat", "dog", "eel"))
    samples = pics.generate()
    self.assertEqual(samples.shape, (300, 2))  # 2-D data: at least 100 per class
    fig = pics.figure(samples, 1500)
    self.assertEqual([ax.get_title() for ax in fig.axes], ["real data", "generated, step 1500"])
    self.assertEqual([t.get_text() for t in fig.legends[0].get_texts()],
                     ["cat", "dog", "eel", "real data (behind)"])
    picture = plots.to_array(fig)
    self.assertEqual((picture.ndim, picture.shape[2], picture.dtype), (3, 3, np.uint8))

  def test_image_grid_rows_are_the_shown_classes(self):
    pics = pictures.Pictures(_trainer((8, 8, 1), num_classes=100), None, per_class=2, max_classes=3, seed=0)
    samples = pics.generate()
    fig = pics.figure(samples, 7)
    (ax,) = fig.axes
    self.assertEqual(ax.get_title(), "generated, step 7")
    self.assertEqual([t.get_text() for t in ax.get_yticklabels()], ["class 0", "class 50", "class 99"])
    grid = np.asarray(ax.images[0].get_array())
    self.assertEqual(grid.shape, (3 * 9 + 1, 2 * 9 + 1))
    self.assertAllEqual(grid[10:18, 1:9], np.full((8, 8), plots.to_uint8(0.5)))  # class 50: 0.5 everywhere
    unconditional = pictures.Pictures(_trainer((8, 8, 3), conditional=False), None, 2, 3, 0)
    fig = unconditional.figure(unconditional.generate(), 7)
    self.assertEqual([t.get_text() for t in fig.axes[0].get_yticklabels()], ["", "", ""])  # rows are not classes

  def test_translation_rows_are_sources(self):
    real_x = np.linspace(-1, 1, 6 * 8 * 8).reshape(6, 8, 8, 1).astype(np.float32)
    real = (real_x, np.array([2, 0, 1, 0, 2, 1]))
    pics = pictures.Pictures(_trainer((8, 8, 1), translation=True), real, 1, 3, 0, class_names=("a", "b", "c"))
    fig = pics.figure(pics.generate(), 9)
    (ax,) = fig.axes
    self.assertEqual(ax.get_title(), "image-to-image samples, step 9")
    self.assertEqual([t.get_text() for t in ax.get_yticklabels()], ["a", "b", "c"])  # one source per domain
    self.assertEqual([t.get_text() for t in ax.get_xticklabels()], ["source", "to a", "to b", "to c"])
    grid = np.asarray(ax.images[0].get_array())
    self.assertAllEqual(grid[1:9, 1:9], plots.to_uint8(real_x[1, ..., 0]))  # row 0: the first image of domain 0

  def test_preview_draws_enough_sources_for_every_domain(self):
    self.assertEqual(pictures.preview_batch_size((32, 32, 1), True, 32), pictures.PREVIEW_BATCH)
    self.assertEqual(pictures.preview_batch_size((2,), False, 64), pictures.PREVIEW_BATCH)
    self.assertEqual(pictures.preview_batch_size((32, 32, 1), False, 64), 64)  # images from z: the batch
    # A batch of 32 from 10 balanced classes misses one ~31 % of the time (inclusion-exclusion; Monte Carlo beside
    # it); PREVIEW_BATCH examples miss one with probability < 10 * 0.9 ** 512 (~4e-23).
    rng = np.random.default_rng(0)
    missing = lambda n, draws: np.mean(~(rng.integers(0, 10, (draws, n, 1)) == np.arange(10)).any(1).all(1))
    exact = 1 - sum((-1) ** j * math.comb(10, j) * (1 - j / 10) ** 32 for j in range(11))
    self.assertAllClose(missing(32, 20000), exact, atol=0.015)
    self.assertAllClose(exact, 0.309, atol=0.001)
    self.assertEqual(missing(pictures.PREVIEW_BATCH, 2000), 0.0)


if __name__ == "__main__":
  tf.test.main()
