"""Streaming feature statistics against numpy on the concatenated features."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tfgan_mh.metrics.feature_stats import ClassFeatureStats
from tfgan_mh.metrics.feature_stats import FeatureStats


def _features(n=97, d=6, offset=0.0, seed=0):
  rng = np.random.default_rng(seed)
  mix = rng.normal(size=(d, d))
  return rng.normal(size=(n, d)) @ mix + offset + rng.normal(size=d)


class FeatureStatsTest(parameterized.TestCase):

  @parameterized.parameters(([97],), ([1, 96],), ([13, 0, 40, 44],), ([50, 1, 1, 45],))
  def test_matches_numpy_for_any_batch_split(self, sizes):
    x = _features()
    stats = FeatureStats(6)
    for chunk in np.split(x, np.cumsum(sizes)[:-1]):
      stats.update(chunk)
    self.assertEqual(stats.count, 97)
    np.testing.assert_allclose(stats.mean, x.mean(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(stats.cov, np.cov(x, rowvar=False), rtol=1e-11, atol=1e-12)

  def test_merge_equals_single_stream(self):
    x = _features(offset=5.0)
    a = FeatureStats(6).update(x[:30])
    b = FeatureStats(6).update(x[30:31]).update(x[31:])
    a.merge(b).merge(FeatureStats(6))
    np.testing.assert_allclose(a.mean, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(a.cov, np.cov(x, rowvar=False), rtol=1e-10, atol=1e-11)
    empty = FeatureStats(6).merge(FeatureStats(6).update(x))
    np.testing.assert_allclose(empty.cov, np.cov(x, rowvar=False), rtol=1e-10, atol=1e-11)

  def test_large_offset_keeps_covariance_digits(self):
    # Unit-scale spread around a mean of 1e6: a naive (S - n m m^T) in float64 loses ~12 digits.
    x = _features(n=200, d=4, offset=1e6, seed=3)
    stats = FeatureStats(4)
    for chunk in np.array_split(x, 7):
      stats.update(chunk.astype(np.float64))
    np.testing.assert_allclose(stats.cov, np.cov(x, rowvar=False), rtol=1e-8)

  def test_accepts_tensors_and_float32(self):
    x = _features().astype(np.float32)
    stats = FeatureStats(6).update(tf.constant(x[:40])).update(x[40:])
    np.testing.assert_allclose(stats.cov, np.cov(x.astype(np.float64), rowvar=False), rtol=1e-10)

  def test_state_round_trip(self):
    x = _features()
    stats = FeatureStats(6).update(x)
    back = FeatureStats.from_state(stats.state())
    np.testing.assert_array_equal(back.cov, stats.cov)
    self.assertEqual(back.count, 97)
    self.assertEqual(stats.nbytes, (6 * 6 + 6 + 6) * 8)

  def test_bad_input(self):
    with self.assertRaisesRegex(ValueError, "dim 5"):
      FeatureStats(6).update(np.zeros([3, 5]))
    with self.assertRaisesRegex(ValueError, "2-D"):
      FeatureStats(6).update(np.zeros([6]))
    with self.assertRaisesRegex(ValueError, "at least 2 samples"):
      _ = FeatureStats(6).update(np.zeros([1, 6])).cov
    with self.assertRaisesRegex(ValueError, "positive"):
      FeatureStats(0)


class ClassFeatureStatsTest(parameterized.TestCase):

  def test_routes_rows_by_label(self):
    x = _features(n=120)
    y = np.random.default_rng(1).integers(0, 4, size=120)
    stats = ClassFeatureStats(6, num_classes=5)
    for lo in range(0, 120, 32):
      stats.update(x[lo:lo + 32], y[lo:lo + 32])
    np.testing.assert_array_equal(stats.counts(), np.bincount(y, minlength=5))
    self.assertNotIn(4, stats.per_class)  # Never seen: no d x d allocated.
    for c in range(4):
      np.testing.assert_allclose(stats[c].mean, x[y == c].mean(axis=0), rtol=1e-12)
      np.testing.assert_allclose(stats[c].cov, np.cov(x[y == c], rowvar=False), rtol=1e-10,
                                 atol=1e-12)

  def test_class_subset_and_merge(self):
    x = _features(n=60)
    y = np.arange(60) % 3
    part = ClassFeatureStats(6, 3, classes=[1]).update(x, y)
    self.assertEqual(sorted(part.per_class), [1])
    full = ClassFeatureStats(6, 3).update(x[:25], y[:25]).merge(
        ClassFeatureStats(6, 3).update(x[25:], y[25:]))
    np.testing.assert_allclose(full[1].cov, part[1].cov, rtol=1e-10)

  def test_bad_labels(self):
    with self.assertRaisesRegex(ValueError, r"\[0, 3\)"):
      ClassFeatureStats(6, 3).update(np.zeros([2, 6]), [0, 3])
    with self.assertRaisesRegex(ValueError, "3 entries for 2"):
      ClassFeatureStats(6, 3).update(np.zeros([2, 6]), [0, 1, 2])
    with self.assertRaisesRegex(ValueError, "classes must lie"):
      ClassFeatureStats(6, 3, classes=[7])
