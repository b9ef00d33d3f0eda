"""Mixture-of-Gaussians ring metrics: hand-computed records, ring invariants, energy / sliced Wasserstein refs."""

import json
import math

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np
import scipy.stats

from tfgan_mh.data import ring
from tfgan_mh.metrics import mixture

# Two modes 10 std apart (std 1). Point: (nearest mode, distance) -> 2std / 3std high quality?
_MEANS = np.array([[0.0, 0.0], [10.0, 0.0]])
_POINTS = np.array([[1.0, 0.0],  # mode 0, 1.0: both
                    [0.0, 2.5],  # mode 0, 2.5: 3std only
                    [13.5, 0.0],  # mode 1, 3.5: neither
                    [10.0, -1.5]])  # mode 1, 1.5: both
_LABELS = np.array([0, 1, 1, 1])  # own mode + 3std: rows 0 and 3


def _separated_ring(n, seed=0):
  """K = 8, radius 2, std 0.05: neighbouring means 1.53 = 30 std apart, so nearest mean == own mean."""
  points, labels = ring.sample_ring(n, num_classes=8, radius=2.0, std=0.05, seed=seed)
  return points, labels, ring.ring_means(8, 2.0), 0.05


class NearestModeTest(absltest.TestCase):

  def test_hand_computed(self):
    index, distance = mixture.nearest_mode(_POINTS, _MEANS)
    np.testing.assert_array_equal(index, [0, 0, 1, 1])
    np.testing.assert_array_equal(distance, [1.0, 2.5, 3.5, 1.5])

  def test_non_finite_point(self):
    index, distance = mixture.nearest_mode([[np.nan, 0.0], [9.0, 0.0], [np.inf, 1.0]], _MEANS)
    np.testing.assert_array_equal(index, [-1, 1, -1])
    np.testing.assert_array_equal(distance, [np.inf, 1.0, np.inf])


class MixtureQualityTest(parameterized.TestCase):

  def test_hand_computed_record(self):
    record = mixture.mixture_quality(_POINTS, _MEANS, 1.0, labels=_LABELS)
    kl = 2 / 3 * math.log(2 * 2 / 3) + 1 / 3 * math.log(2 * 1 / 3)
    self.assertEqual(record, {
        "ring_high_quality_2std": 0.5, "ring_high_quality_3std": 0.75,
        "ring_modes_covered": 2, "ring_modes_covered_fraction": 1.0, "ring_mode_counts": [2, 1],
        "ring_mode_kl": record["ring_mode_kl"], "ring_min_per_mode": 1,  # ceil(0.1 * 4 / 2)
        "ring_own_mode_share": 0.5, "ring_own_mode_share_per_class": [1.0, 1 / 3]})
    self.assertAlmostEqual(record["ring_mode_kl"], kl, places=15)
    json.dumps(record, allow_nan=False)  # plain Python values

  def test_options(self):
    record = mixture.mixture_quality(_POINTS, _MEANS, 1.0, num_stds=(1.2, 2.6, 1.0), min_per_mode=2)
    self.assertEqual(sorted(record), sorted([
        "ring_high_quality_1.2std", "ring_high_quality_2.6std", "ring_high_quality_1std", "ring_modes_covered",
        "ring_modes_covered_fraction", "ring_mode_counts", "ring_mode_kl", "ring_min_per_mode"]))  # no labels
    self.assertEqual(record["ring_high_quality_1.2std"], 0.25)  # < k std: 1.0 is not < 1.0
    self.assertEqual(record["ring_high_quality_1std"], 0.0)
    self.assertEqual(record["ring_mode_counts"], [2, 1])  # at the largest k, 2.6
    self.assertEqual(record["ring_modes_covered"], 1)
    self.assertEqual(record["ring_modes_covered_fraction"], 0.5)

  def test_class_without_samples_and_default_threshold(self):
    means = np.concatenate([_MEANS, [[0.0, 50.0]]])
    points = np.repeat(_POINTS, 25, axis=0)  # N = 100, K = 3: ceil(0.1 * 100 / 3) = 4
    record = mixture.mixture_quality(points, means, 1.0, labels=np.repeat(_LABELS, 25))
    self.assertEqual(record["ring_min_per_mode"], 4)
    self.assertEqual(record["ring_mode_counts"], [50, 25, 0])
    self.assertEqual(record["ring_modes_covered"], 2)
    self.assertEqual(record["ring_own_mode_share_per_class"], [1.0, 1 / 3, None])

  def test_non_finite_points_are_low_quality(self):
    points = np.concatenate([_POINTS, [[np.nan, np.nan]]])
    record = mixture.mixture_quality(points, _MEANS, 1.0, labels=[0, 1, 1, 1, 0])
    self.assertEqual(record["ring_high_quality_3std"], 0.6)
    self.assertEqual(record["ring_mode_counts"], [2, 1])
    self.assertEqual(record["ring_own_mode_share_per_class"], [0.5, 1 / 3])

  def test_nothing_high_quality(self):
    record = mixture.mixture_quality([[5.0, 0.0]], _MEANS, 1.0)
    self.assertEqual(record["ring_modes_covered"], 0)
    self.assertTrue(math.isnan(record["ring_mode_kl"]))

  def test_real_samples_of_a_separated_ring(self):
    points, labels, means, std = _separated_ring(8000)
    record = mixture.mixture_quality(points, means, std, labels=labels)
    # Rayleigh radius: P(r < k std) = 1 - exp(-k^2 / 2); binomial s.e. 0.0038 (2 std), 0.0012 (3 std).
    self.assertAlmostEqual(record["ring_high_quality_2std"], 1 - math.exp(-2.0), delta=0.015)
    self.assertAlmostEqual(record["ring_high_quality_3std"], 1 - math.exp(-4.5), delta=0.005)
    self.assertEqual(record["ring_modes_covered"], 8)
    self.assertLess(record["ring_mode_kl"], 1e-3)
    self.assertEqual(record["ring_own_mode_share"], record["ring_high_quality_3std"])  # nearest == own
    for share in record["ring_own_mode_share_per_class"]:
      self.assertAlmostEqual(share, 1 - math.exp(-4.5), delta=0.015)

  def test_overlapping_default_ring_bounds(self):
    # Nearest distance <= own distance, so own-mode share <= P(own distance < 3 std) <= high quality 3 std.
    points, labels = ring.sample_ring(4000, num_classes=10, radius=1.0, std=0.3, seed=1)
    means = ring.ring_means(10, 1.0)
    record = mixture.mixture_quality(points, means, 0.3, labels=labels)
    own_within = np.mean(np.linalg.norm(points - means[labels], axis=1) < 0.9)
    self.assertLessEqual(record["ring_own_mode_share"], own_within)
    self.assertLessEqual(own_within, record["ring_high_quality_3std"])
    self.assertLess(record["ring_own_mode_share"], 0.9)  # neighbours 2 std apart: many samples nearer another
    self.assertEqual(record["ring_modes_covered"], 10)

  def test_collapsed_generator(self):
    _, _, means, std = _separated_ring(8)
    points = np.repeat(means[3:4], 500, axis=0)
    record = mixture.mixture_quality(points, means, std, labels=np.arange(500) % 8)
    self.assertEqual(record["ring_modes_covered"], 1)
    self.assertEqual(record["ring_high_quality_2std"], 1.0)
    self.assertEqual(record["ring_high_quality_3std"], 1.0)
    self.assertAlmostEqual(record["ring_mode_kl"], math.log(8), places=12)
    self.assertEqual(record["ring_mode_counts"], [0, 0, 0, 500, 0, 0, 0, 0])
    self.assertAlmostEqual(record["ring_own_mode_share"], 63 / 500)  # labels 3: 63 of 500
    self.assertEqual(record["ring_own_mode_share_per_class"], [0.0] * 3 + [1.0] + [0.0] * 4)

  @parameterized.parameters(
      (dict(points=np.zeros([4, 3])), r"points must have shape \[N >= 1, 2\], got shape \(4, 3\)"),
      (dict(points=np.zeros([0, 2])), r"points must have shape .*\(0, 2\)"),
      (dict(means=np.zeros([2])), r"means must have shape .*\(2,\)"),
      (dict(std=0.0), "std=0.0"),
      (dict(std=-1.0), "std=-1.0"),
      (dict(std=float("nan")), "std=nan"),
      (dict(labels=[0, 1, 2, 1]), r"labels must lie in \[0, 2\).*\[0, 2\]"),
      (dict(labels=[0, 1, 1]), r"labels must be int \[4\].*shape \(3,\)"),
      (dict(labels=[0.0, 1.0, 1.0, 1.0]), r"labels must be int \[4\].*float64"),
      (dict(num_stds=()), r"num_stds=\(\)"),
      (dict(num_stds=(2.0, 0.0)), r"num_stds=\(2.0, 0.0\)"),
      (dict(min_per_mode=0), "min_per_mode=0"),
  )
  def test_bad_input(self, override, message):
    kwargs = dict(points=_POINTS, means=_MEANS, std=1.0, labels=_LABELS)
    kwargs.update(override)
    with self.assertRaisesRegex(ValueError, message):
      mixture.mixture_quality(kwargs.pop("points"), kwargs.pop("means"), kwargs.pop("std"), **kwargs)


class EnergyDistanceTest(absltest.TestCase):

  def test_zero_for_the_same_sample_and_positive_when_shifted(self):
    x = np.random.default_rng(0).normal(size=(300, 2))
    self.assertEqual(mixture.energy_distance(x, x.copy(), block_size=64), 0.0)
    self.assertGreater(mixture.energy_distance(x, x + [0.5, 0.0]), 0.05)

  def test_squared_scipy_in_1d(self):
    rng = np.random.default_rng(1)
    u, v = rng.normal(size=257), rng.normal(0.3, 1.5, size=130)
    ours = mixture.energy_distance(u[:, None], v[:, None], block_size=50)
    self.assertAlmostEqual(ours, scipy.stats.energy_distance(u, v) ** 2, places=12)

  def test_brute_force_2d(self):
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(7, 2)), rng.normal(1.0, 2.0, size=(5, 2))

    def mean_dist(a, b):
      return np.mean([[np.linalg.norm(ai - bj) for bj in b] for ai in a])

    expected = 2 * mean_dist(x, y) - mean_dist(x, x) - mean_dist(y, y)
    for block_size in (1, 3, 1024):
      self.assertAlmostEqual(mixture.energy_distance(x, y, block_size=block_size), expected, places=12)
    self.assertAlmostEqual(mixture.energy_distance(y, x), expected, places=12)

  def test_bad_input(self):
    with self.assertRaisesRegex(ValueError, r"y must have shape \[N >= 1, 2\], got shape \(3, 1\)"):
      mixture.energy_distance(np.zeros([2, 2]), np.zeros([3, 1]))
    with self.assertRaisesRegex(ValueError, r"x must have shape .*\(0, 2\)"):
      mixture.energy_distance(np.zeros([0, 2]), np.zeros([3, 2]))
    with self.assertRaisesRegex(ValueError, "block_size=0"):
      mixture.energy_distance(np.zeros([2, 2]), np.zeros([3, 2]), block_size=0)

  def test_nan_propagates(self):
    self.assertTrue(math.isnan(mixture.energy_distance([[np.nan, 0.0]], [[0.0, 0.0]])))


class SlicedWassersteinTest(absltest.TestCase):

  def test_scipy_on_1d_data(self):
    rng = np.random.default_rng(3)
    u = rng.normal(size=200)
    for v in (rng.exponential(size=120), rng.normal(1.0, 0.5, size=200)):  # exact-CDF and sorted paths
      self.assertAlmostEqual(mixture.sliced_wasserstein(u[:, None], v[:, None], num_projections=5),
                             scipy.stats.wasserstein_distance(u, v), places=12)

  def test_points_on_a_line(self):
    # x = t e: the projection on theta is t <e, theta>, so SW = W1(t) * mean |cos| -> W1(t) * 2 / pi.
    rng = np.random.default_rng(4)
    s, t = rng.normal(size=300), rng.normal(2.0, 1.0, size=200)
    e = np.array([0.6, 0.8])
    sw = mixture.sliced_wasserstein(s[:, None] * e, t[:, None] * e, num_projections=4096)
    self.assertAlmostEqual(sw / scipy.stats.wasserstein_distance(s, t), 2 / np.pi, delta=0.02)

  def test_symmetric_zero_and_both_paths_agree(self):
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(150, 2)), rng.normal(0.5, 1.0, size=(150, 2))
    self.assertEqual(mixture.sliced_wasserstein(x, x.copy()), 0.0)
    self.assertAlmostEqual(mixture.sliced_wasserstein(x, y), mixture.sliced_wasserstein(y, x), places=14)
    # y twice is the same empirical distribution; 150 vs 300 points takes the exact-CDF path.
    self.assertAlmostEqual(mixture.sliced_wasserstein(x, y), mixture.sliced_wasserstein(x, np.concatenate([y, y])),
                           places=12)
    self.assertAlmostEqual(mixture._wasserstein_1d(x[:, 0], y[:, 0]),  # pylint: disable=protected-access
                           np.mean(np.abs(np.sort(x[:, 0]) - np.sort(y[:, 0]))), places=12)
    self.assertNotEqual(mixture.sliced_wasserstein(x, y, seed=1), mixture.sliced_wasserstein(x, y))

  def test_bad_input(self):
    with self.assertRaisesRegex(ValueError, "num_projections=0"):
      mixture.sliced_wasserstein(np.zeros([2, 2]), np.zeros([3, 2]), num_projections=0)
    with self.assertRaisesRegex(ValueError, r"y must have shape \[N >= 1, 2\]"):
      mixture.sliced_wasserstein(np.zeros([2, 2]), np.zeros([3]))


class RingMetricsTest(absltest.TestCase):

  def test_combines_and_orders_generators(self):
    points, labels, means, std = _separated_ring(800, seed=0)
    real, _, _, _ = _separated_ring(1000, seed=1)
    good = mixture.ring_metrics(points, real, means, std, labels=labels, num_projections=32)
    expected = mixture.mixture_quality(points, means, std, labels=labels)
    expected.update(ring_energy_distance=mixture.energy_distance(points, real),
                    ring_sliced_wasserstein=mixture.sliced_wasserstein(points, real, num_projections=32))
    self.assertEqual(good, expected)
    json.dumps(good, allow_nan=False)
    collapsed = mixture.ring_metrics(np.repeat(means[:1], 800, axis=0), real, means, std, num_projections=32)
    self.assertNotIn("ring_own_mode_share", collapsed)
    self.assertGreater(collapsed["ring_energy_distance"], 10 * good["ring_energy_distance"])
    self.assertGreater(collapsed["ring_sliced_wasserstein"], 10 * good["ring_sliced_wasserstein"])


if __name__ == "__main__":
  absltest.main()
