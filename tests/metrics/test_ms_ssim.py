"""MS-SSIM with reduced scales for 28/32 px images, and the same-class pair protocol of 001."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tfgan_mh.metrics import ms_ssim as ms


def _images(n, size=32, channels=3, seed=0):
  """Smooth random images in [-1, 1] (a low-resolution pattern upsampled, like natural images)."""
  rng = np.random.default_rng(seed)
  low = rng.uniform(-1, 1, size=(n, size // 4, size // 4, channels)).astype(np.float32)
  return tf.image.resize(low, [size, size], method="bilinear").numpy()


class ParamsTest(parameterized.TestCase):

  @parameterized.parameters((28, 28), (32, 32))
  def test_small_images_use_three_scales_and_7px_window(self, h, w):
    p = ms.ms_ssim_params(h, w)
    self.assertLen(p.power_factors, 3)
    self.assertAlmostEqual(sum(p.power_factors), 1.0, places=12)
    np.testing.assert_allclose(p.power_factors,
                               np.array([0.0448, 0.2856, 0.3001]) / 0.6305, rtol=1e-12)
    self.assertEqual(p.filter_size, 7)
    self.assertAlmostEqual(p.filter_sigma, 1.5 * 7 / 11, places=12)

  def test_large_images_keep_defaults(self):
    self.assertEqual(ms.ms_ssim_params(176, 200),
                     ms.MSSSIMParams(ms.STANDARD_POWER_FACTORS, 11, 1.5))
    self.assertLen(ms.ms_ssim_params(64, 64).power_factors, 4)

  def test_tf_defaults_do_fail_at_32px(self):
    x = tf.zeros([1, 32, 32, 3])
    with self.assertRaises(tf.errors.InvalidArgumentError):
      tf.image.ssim_multiscale(x, x, max_val=1.0)


class MSSSIMTest(parameterized.TestCase):

  @parameterized.parameters((32, 3), (28, 1))
  def test_identical_images_score_one(self, size, channels):
    x = _images(6, size, channels)
    np.testing.assert_allclose(ms.ms_ssim(x, x), np.ones(6), atol=1e-5)

  def test_decreases_with_noise(self):
    x = _images(8, seed=1)
    rng = np.random.default_rng(2)
    noise = rng.normal(size=x.shape).astype(np.float32)
    means = [np.mean(ms.ms_ssim(x, np.clip(x + s * noise, -1, 1))) for s in (0.0, 0.05, 0.2, 0.5)]
    self.assertAlmostEqual(means[0], 1.0, places=5)
    self.assertTrue(all(a > b for a, b in zip(means, means[1:])), means)
    self.assertLess(means[-1], 0.8)  # 0.74 measured; identical = 1.

  def test_batching_does_not_change_values(self):
    x, y = _images(7, seed=3), _images(7, seed=4)
    np.testing.assert_allclose(ms.ms_ssim(x, y, batch_size=3), ms.ms_ssim(x, y), rtol=1e-5)

  def test_value_range_mapping(self):
    x, y = _images(3, seed=5), _images(3, seed=6)
    np.testing.assert_allclose(ms.ms_ssim((x + 1) * 127.5, (y + 1) * 127.5, value_range=(0, 255)),
                               ms.ms_ssim(x, y), rtol=1e-4)

  def test_bad_input(self):
    x = _images(2)
    with self.assertRaisesRegex(ValueError, "differ in shape"):
      ms.ms_ssim(x, x[:1])
    with self.assertRaisesRegex(ValueError, r"\[B, H, W, C\]"):
      ms.ms_ssim(x[0], x[0])
    with self.assertRaisesRegex(ValueError, "high > low"):
      ms.ms_ssim(x, x, value_range=(1, -1))


class IntraClassMSSSIMTest(parameterized.TestCase):

  def test_pairs_are_same_class_distinct_and_seeded(self):
    labels = np.array([0, 1, 0, 2, 1, 0, 1, 1])
    pairs = ms.same_class_pairs(labels, num_classes=4, pairs_per_class=50, seed=7)
    self.assertEqual(pairs.shape, (100, 3))  # Class 2 has one image, class 3 none.
    np.testing.assert_array_equal(labels[pairs[:, 0]], pairs[:, 2])
    np.testing.assert_array_equal(labels[pairs[:, 1]], pairs[:, 2])
    self.assertTrue(np.all(pairs[:, 0] != pairs[:, 1]))
    np.testing.assert_array_equal(
        pairs, ms.same_class_pairs(labels, num_classes=4, pairs_per_class=50, seed=7))

  def test_collapsed_class_scores_one(self):
    collapsed = np.repeat(_images(1, seed=8), 5, axis=0)  # Class 0: one image repeated.
    diverse = _images(5, seed=9)  # Class 1: different images.
    images = np.concatenate([collapsed, diverse, _images(1, seed=10)])
    labels = np.array([0] * 5 + [1] * 5 + [2])
    got = ms.intra_class_ms_ssim(images, labels, num_classes=3, pairs_per_class=6, batch_size=4)
    self.assertAlmostEqual(got.per_class[0], 1.0, places=5)
    self.assertLess(got.per_class[1], 0.5)
    self.assertTrue(np.isnan(got.per_class[2]))
    self.assertAlmostEqual(got.max, got.per_class[0], places=12)
    self.assertAlmostEqual(got.mean, (got.per_class[0] + got.per_class[1]) / 2, places=12)
    self.assertEqual(got.num_pairs, 12)

  def test_no_pairs(self):
    with self.assertRaisesRegex(ValueError, "no class has 2 or more"):
      ms.intra_class_ms_ssim(_images(2), [0, 1], num_classes=2)
