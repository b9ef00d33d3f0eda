"""KID, improved precision / recall and density / coverage against hand computations and brute-force numpy /
scipy references written from the papers' definitions."""

import numpy as np
import tensorflow as tf
from scipy.spatial.distance import cdist

from tfgan_mh import metrics
from tfgan_mh.metrics import kid, manifold


def _features(seed, n, d=5, shift=0.0):
  return np.random.default_rng(seed).normal(size=(n, d)) + shift


def _mmd2_loops(x, y):
  """Bińkowski et al. 2018 Eq. (3) term by term."""
  d, m = x.shape[1], len(x)
  k = lambda a, b: (a @ b / d + 1.0) ** 3
  xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
  yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
  xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / m**2
  return xx + yy - 2 * xy


def _radii_brute(x, k):
  dist = cdist(x, x)
  np.fill_diagonal(dist, np.inf)
  return np.sort(dist, axis=1)[:, k - 1]  # k-th nearest other point


class KIDTest(tf.test.TestCase):

  def test_hand_computed(self):
    # d = 1: k(0, 0) = 1, k(1, 1) = 8, k(0, 1) = 1 -> 1 + 8 - 2 = 7.
    self.assertAllClose(kid.polynomial_mmd2(np.zeros((2, 1)), np.ones((2, 1))), 7.0)

  def test_against_the_term_by_term_estimator(self):
    x, y = _features(0, 7), _features(1, 7, shift=0.5)
    self.assertAllClose(kid.polynomial_mmd2(x, y), _mmd2_loops(x, y), rtol=1e-10)

  def test_subsets(self):
    x, y = _features(2, 9), _features(3, 9, shift=0.3)
    # Subsets as large as the sets are permutations: every subset gives the full estimate.
    mean, std = metrics.kernel_inception_distance(x, y, num_subsets=4, subset_size=100, seed=0)
    self.assertAllClose(mean, kid.polynomial_mmd2(x, y), rtol=1e-10)
    self.assertAllClose(std, 0.0, atol=1e-12)
    # Smaller subsets: the mean over the drawn subsets, reproducible from the seed.
    rng = np.random.default_rng(5)
    expected = [_mmd2_loops(x[rng.choice(9, 4, replace=False)], y[rng.choice(9, 4, replace=False)])
                for _ in range(3)]
    mean, std = metrics.kernel_inception_distance(x, y, num_subsets=3, subset_size=4, seed=5)
    self.assertAllClose((mean, std), (np.mean(expected), np.std(expected)), rtol=1e-10)

  def test_unbiased_near_zero_for_one_distribution_and_positive_apart(self):
    same, _ = metrics.kernel_inception_distance(_features(4, 400), _features(5, 400), num_subsets=10,
                                                subset_size=200)
    apart, _ = metrics.kernel_inception_distance(_features(4, 400), _features(5, 400, shift=1.0), num_subsets=10,
                                                 subset_size=200)
    self.assertLess(abs(same), 0.05)
    self.assertGreater(apart, 20 * abs(same))

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, r"same d; got \(3, 5\) and \(3, 4\)"):
      metrics.kernel_inception_distance(_features(0, 3), _features(0, 3, d=4))
    with self.assertRaisesRegex(ValueError, "num_subsets=0 must be >= 1"):
      metrics.kernel_inception_distance(_features(0, 3), _features(0, 3), num_subsets=0)


class ManifoldTest(tf.test.TestCase):

  def test_radii_against_brute_force(self):
    x = _features(6, 50)
    self.assertAllClose(manifold.knn_radii(x, 3), _radii_brute(x, 3), rtol=1e-10)

  def test_precision_recall_against_brute_force(self):
    real, fake = _features(7, 60), _features(8, 40, shift=0.8)
    r_real, r_fake = _radii_brute(real, 3), _radii_brute(fake, 3)
    precision = np.mean((cdist(fake, real) <= r_real[None, :]).any(axis=1))
    recall = np.mean((cdist(real, fake) <= r_fake[None, :]).any(axis=1))
    self.assertAllClose(metrics.precision_recall(real, fake, k=3), (precision, recall), atol=1e-12)
    self.assertGreater(recall, 0.0)
    self.assertLess(precision, 1.0)

  def test_density_coverage_against_brute_force(self):
    real, fake = _features(9, 60), _features(10, 45, shift=0.5)
    r = _radii_brute(real, 5)
    inside = cdist(fake, real) <= r[None, :]  # [M, N]
    density = inside.sum() / (5 * len(fake))
    coverage = inside.any(axis=0).mean()
    self.assertAllClose(metrics.density_coverage(real, fake, k=5), (density, coverage), atol=1e-12)

  def test_one_pass_prdc_equals_the_separate_functions(self):
    real, fake = _features(11, 70, d=4), _features(12, 50, d=4, shift=0.4)
    both = metrics.prdc(real, fake, precision_recall_k=2, density_coverage_k=4)
    self.assertEqual((both["precision"], both["recall"]), metrics.precision_recall(real, fake, k=2))
    self.assertEqual((both["density"], both["coverage"]), metrics.density_coverage(real, fake, k=4))
    self.assertEqual(set(metrics.prdc(real, fake, density_coverage_k=None)), {"precision", "recall"})

  def test_one_dimensional_hand_case(self):
    real = np.array([[0.0], [1.0], [3.0]])  # 1-NN radii: 1, 1, 2
    fake = np.array([[0.5], [10.0]])  # 0.5 is in the balls of 0 and 1; 10 in none
    self.assertAllClose(manifold.knn_radii(real, 1), [1.0, 1.0, 2.0])
    density, coverage = metrics.density_coverage(real, fake, k=1)
    self.assertAllClose((density, coverage), (2 / 2, 2 / 3))
    precision, recall = metrics.precision_recall(real, fake, k=1)  # fake radii: 9.5 each
    self.assertAllClose((precision, recall), (0.5, 1.0))

  def test_identical_sets_and_far_apart_sets(self):
    x = _features(11, 30)
    self.assertAllClose(metrics.precision_recall(x, x), (1.0, 1.0))
    self.assertAllClose(metrics.density_coverage(x, x)[1], 1.0)
    far = x + 100.0
    self.assertAllClose(metrics.precision_recall(x, far), (0.0, 0.0))
    self.assertAllClose(metrics.density_coverage(x, far), (0.0, 0.0))

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, r"k=3: need 1 <= k < number of points \(3\)"):
      metrics.precision_recall(_features(0, 3), _features(1, 5), k=3)
    with self.assertRaisesRegex(ValueError, "differ in dimension"):
      metrics.density_coverage(_features(0, 8), _features(1, 8, d=3))


if __name__ == "__main__":
  tf.test.main()
