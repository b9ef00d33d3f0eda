"""FID against the closed form of Gaussians and scipy's sqrtm; intra-class FID routing."""

from absl.testing import parameterized
import numpy as np
import scipy.linalg

from tfgan_mh.metrics import fid
from tfgan_mh.metrics.feature_stats import ClassFeatureStats


def _random_spd(d, rng, rank=None):
  a = rng.normal(size=(d, rank or d))
  return a @ a.T / d + (0.0 if rank else 0.1 * np.eye(d))


def _reference_fid(m1, c1, m2, c2):
  """Independent closed form: ||m1 - m2||^2 + Tr(C1 + C2 - 2 sqrtm(C1 C2)) with scipy (float64)."""
  root = np.real(scipy.linalg.sqrtm(c1 @ c2))
  return np.sum((m1 - m2) ** 2) + np.trace(c1 + c2 - 2.0 * root)


class FrechetDistanceTest(parameterized.TestCase):

  @parameterized.parameters("eigh", "sqrtm")
  def test_known_gaussians_match_closed_form(self, method):
    rng = np.random.default_rng(0)
    d = 8
    m1, m2 = rng.normal(size=d), rng.normal(size=d)
    c1, c2 = _random_spd(d, rng), _random_spd(d, rng)
    got = fid.frechet_distance(m1, c1, m2, c2, method=method)
    self.assertAlmostEqual(got.fid, _reference_fid(m1, c1, m2, c2), places=9)
    self.assertAlmostEqual(got.mean_term, np.sum((m1 - m2) ** 2), places=12)
    self.assertAlmostEqual(got.fid, got.mean_term + got.trace_term, places=12)

  def test_commuting_covariances_hand_value(self):
    # Diagonal C1 = diag(1, 4), C2 = diag(9, 1): Tr = 1 + 4 + 9 + 1 - 2 (3 + 2) = 5; means add 2.
    got = fid.frechet_distance([0.0, 1.0], np.diag([1.0, 4.0]), [1.0, 0.0], np.diag([9.0, 1.0]))
    self.assertAlmostEqual(got.fid, 7.0, places=12)

  @parameterized.parameters("eigh", "sqrtm")
  def test_identical_sets_are_zero(self, method):
    x = np.random.default_rng(1).normal(size=(300, 16)) * 3.0 + 2.0
    self.assertAlmostEqual(fid.fid_from_features(x, x, method=method), 0.0, places=8)

  def test_rank_deficient_covariances(self):
    # N < d: singular covariances; the eigh route clips negative round-off eigenvalues.
    rng = np.random.default_rng(2)
    d = 20
    c1, c2 = _random_spd(d, rng, rank=5), _random_spd(d, rng, rank=7)
    m = np.zeros(d)
    got = fid.frechet_distance(m, c1, m, c2).fid
    self.assertTrue(np.isfinite(got))
    self.assertAlmostEqual(got, _reference_fid(m, c1, m, c2), places=6)
    self.assertAlmostEqual(fid.frechet_distance(m, c1, m, c1).fid, 0.0, places=8)

  def test_samples_match_tfgan_style_activation_formula(self):
    rng = np.random.default_rng(3)
    real = rng.normal(size=(500, 10))
    fake = rng.normal(size=(400, 10)) * 1.5 + 0.3
    ref = _reference_fid(real.mean(0), np.cov(real, rowvar=False), fake.mean(0),
                         np.cov(fake, rowvar=False))
    self.assertAlmostEqual(fid.fid_from_features(real, fake), ref, places=9)

  def test_bad_input(self):
    with self.assertRaisesRegex(ValueError, "method must be one of"):
      fid.frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), np.eye(2), method="svd")
    with self.assertRaisesRegex(ValueError, "dims differ"):
      fid.frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))
    with self.assertRaisesRegex(ValueError, r"mean \[d\] and cov \[d, d\]"):
      fid.frechet_distance(np.zeros(2), np.eye(3), np.zeros(2), np.eye(2))


class IntraClassFIDTest(parameterized.TestCase):

  def test_per_class_routing(self):
    rng = np.random.default_rng(4)
    d, n = 3, 400
    y = np.repeat(np.arange(3), n)
    real = rng.normal(size=(3 * n, d))
    fake = real.copy()
    fake[y == 2] += 1.0  # Only class 2 differs: its FID is the mean shift ||1||^2 = 3 exactly.
    r = ClassFeatureStats(d, 3).update(real, y)
    f = ClassFeatureStats(d, 3)
    perm = rng.permutation(3 * n)
    for chunk in np.array_split(perm, 5):
      f.update(fake[chunk], y[chunk])
    got = fid.intra_class_fid(r, f)
    self.assertEqual(sorted(got.per_class), [0, 1, 2])
    self.assertAlmostEqual(got.per_class[0], 0.0, places=8)
    self.assertAlmostEqual(got.per_class[1], 0.0, places=8)
    self.assertAlmostEqual(got.per_class[2], 3.0, places=8)
    self.assertAlmostEqual(got.mean, 1.0, places=8)
    self.assertEqual(list(fid.intra_class_fid(r, f, classes=[2]).per_class), [2])
    pooled = fid.fid_from_features(real, fake)
    self.assertGreater(pooled, 0.0)  # The pooled FID mixes classes; intra-FID isolates class 2.

  def test_missing_class(self):
    x = np.random.default_rng(5).normal(size=(10, 2))
    r = ClassFeatureStats(2, 3).update(x, np.zeros(10, int))
    f = ClassFeatureStats(2, 3).update(x, np.ones(10, int))
    with self.assertRaisesRegex(ValueError, "no class has statistics in both"):
      fid.intra_class_fid(r, f)
    with self.assertRaisesRegex(ValueError, "class 1: the real set has 0 samples"):
      fid.intra_class_fid(r, f, classes=[1])
