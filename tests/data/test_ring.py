"""The 2-D ring of 002 §3.1: class means on the circle, spread, labels, configuration and bad values."""

import numpy as np
import tensorflow as tf

from tests.data import helpers
from tfgan_mh import data
from tfgan_mh.data import ring


class RingTest(tf.test.TestCase):

  def test_class_means_and_spread_match_the_spec(self):
    src = data.build_source("ring")
    self.assertEqual((src.num_classes, src.image_shape, src.num_examples), (10, (2,), 50000))
    x, y = helpers.all_batches(src.input_fn(global_batch_size=1000, training=False))
    self.assertEqual((x.shape, x.dtype, y.dtype), ((50000, 2), np.float32, np.int32))
    np.testing.assert_array_equal(np.bincount(y), [5000] * 10)
    angles = 2 * np.pi * np.arange(10) / 10
    analytic = np.stack([2 + np.cos(angles), 2 + np.sin(angles)], -1)  # radius 1 around (2, 2)
    np.testing.assert_allclose(src.means, analytic, atol=1e-12)
    # Means inside (0, 4) x (-1, 5), as 002 Fig. 1(i) requires.
    self.assertTrue(np.all((analytic[:, 0] > 0) & (analytic[:, 0] < 4) & (analytic[:, 1] > -1)
                           & (analytic[:, 1] < 5)))
    for k in range(10):
      pts = x[y == k]
      # Standard error of a mean of 5000 draws with std 0.3 is 0.0042: 5 s.e. = 0.021.
      np.testing.assert_allclose(pts.mean(0), analytic[k], atol=0.021)
      # Sample std of 5000 normals has s.e. 0.3 / sqrt(2 * 5000) = 0.003.
      np.testing.assert_allclose(pts.std(0), [0.3, 0.3], atol=0.015)
      np.testing.assert_allclose(np.corrcoef(pts.T)[0, 1], 0.0, atol=0.06)
    # Highly overlapping: neighbouring means are only 2 r sin(pi / 10) = 0.618 = 2.06 std apart.
    self.assertAllClose(np.linalg.norm(analytic[1] - analytic[0]), 2 * np.sin(np.pi / 10))

  def test_configurable_classes_radius_std_and_fixed_data(self):
    src = data.build_source("ring", num_classes=4, radius=2.0, std=0.05, num_examples=400)
    x, y = src.arrays("train")
    np.testing.assert_allclose(src.means, [[4, 2], [2, 4], [0, 2], [2, 0]], atol=1e-12)
    for k in range(4):
      np.testing.assert_allclose(x[y == k].mean(0), src.means[k], atol=0.02)
    again = data.build_source("ring", num_classes=4, radius=2.0, std=0.05, num_examples=400)
    np.testing.assert_array_equal(again.arrays("train")[0], x)  # the data set does not depend on the run
    vx, _ = src.arrays("validation")
    self.assertEqual(vx.shape, (10000, 2))
    self.assertFalse(np.allclose(vx[:400], x))

  def test_training_batches_and_semi_supervised(self):
    src = data.build_source("ring", labeled_fraction=0.1)
    self.assertEqual(src.num_examples, 5000)
    x, y = next(iter(src.input_fn(global_batch_size=256, seed=3)))
    self.assertEqual((x.shape, y.shape), ((256, 2), (256,)))
    self.assertAllInRange(y, 0, 9)
    self.assertEqual(next(iter(src.unlabeled_input_fn(global_batch_size=16))).shape, (16, 2))

  def test_bad_values(self):
    for kwargs, pattern in [(dict(radius=2.5), r"radius=2.5 .* expected \(0, 2\]"),
                            (dict(std=0.0), "std=0.0"),
                            (dict(num_classes=1), "num_classes=1"),
                            (dict(random_flip=True), "do not apply to the 2-D ring")]:
      with self.subTest(**kwargs):
        with self.assertRaises(ValueError) as ctx:
          data.build_source("ring", **kwargs)
        self.assertRegex(helpers.our_message(ctx.exception), pattern)
        self.assertNotIn("\n", helpers.our_message(ctx.exception))
    with self.assertRaisesRegex(ValueError, "random_flip=True needs images"):
      ring.arrays.ArraySource(name="r", num_classes=2, loaders={"train": lambda: ring.sample_ring(
          4, num_classes=2, radius=1, std=1, seed=0)}, random_flip=True)


if __name__ == "__main__":
  tf.test.main()
