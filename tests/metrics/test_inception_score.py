"""Inception Score, its decomposition (001 Eq. (22)) and AM Score (001 Eq. (23))."""

from absl.testing import parameterized
import numpy as np
import scipy.special
import scipy.stats

from tfgan_mh.metrics import am_score
from tfgan_mh.metrics import inception_score as is_lib


def _tfgan_style_score(logits):
  """Reference: exp(mean KL(p || mean p)) in float64 with scipy (TF-GAN classifier_score_from_logits)."""
  p = scipy.special.softmax(np.asarray(logits, np.float64), axis=1)
  q = p.mean(axis=0)
  return np.exp(np.mean(scipy.stats.entropy(p, q[None, :], axis=1)))


class InceptionScoreTest(parameterized.TestCase):

  def test_one_hot_uniform_classes_give_k(self):
    k, splits = 7, 10
    labels = np.tile(np.arange(k), splits)  # Each contiguous split holds every class once.
    got = is_lib.inception_score(probs=np.eye(k)[labels], num_splits=splits)
    self.assertAlmostEqual(got.mean, k, places=10)
    self.assertAlmostEqual(got.std, 0.0, places=10)
    self.assertAlmostEqual(got.marginal_entropy, np.log(k), places=10)
    self.assertAlmostEqual(got.mean_sample_entropy, 0.0, places=12)
    confident = is_lib.inception_score(logits=60.0 * np.eye(k)[labels], num_splits=splits)
    self.assertAlmostEqual(confident.mean, k, places=5)

  def test_uniform_predictions_give_one(self):
    got = is_lib.inception_score(logits=np.zeros([50, 9]), num_splits=10)
    self.assertAlmostEqual(got.mean, 1.0, places=12)
    self.assertAlmostEqual(got.mean_sample_entropy, np.log(9), places=12)

  def test_collapsed_confident_generator_gives_one(self):
    got = is_lib.inception_score(probs=np.tile(np.eye(5)[2], [20, 1]), num_splits=2)
    self.assertAlmostEqual(got.mean, 1.0, places=12)

  def test_splits_match_reference_on_random_logits(self):
    logits = np.random.default_rng(0).normal(size=(103, 12)) * 3.0
    got = is_lib.inception_score(logits=logits, num_splits=10)
    bounds = [i * 103 // 10 for i in range(11)]
    ref = np.array([_tfgan_style_score(logits[a:b]) for a, b in zip(bounds[:-1], bounds[1:])])
    np.testing.assert_allclose(got.split_scores, ref, rtol=1e-12)
    self.assertAlmostEqual(got.mean, ref.mean(), places=12)
    self.assertAlmostEqual(got.std, ref.std(), places=12)

  def test_decomposition_recombines(self):
    logits = np.random.default_rng(1).normal(size=(64, 6)) * 2.0
    single = is_lib.inception_score(logits=logits, num_splits=1)
    self.assertAlmostEqual(single.mean, _tfgan_style_score(logits), places=12)
    self.assertAlmostEqual(np.exp(single.marginal_entropy - single.mean_sample_entropy),
                           single.mean, places=12)
    p = scipy.special.softmax(logits, axis=1)
    self.assertAlmostEqual(single.marginal_entropy, scipy.stats.entropy(p.mean(0)), places=12)
    self.assertAlmostEqual(single.mean_sample_entropy,
                           np.mean(scipy.stats.entropy(p, axis=1)), places=12)
    # The all-sample decomposition does not depend on the number of splits.
    ten = is_lib.inception_score(logits=logits, num_splits=8)
    self.assertAlmostEqual(ten.marginal_entropy, single.marginal_entropy, places=12)

  @parameterized.parameters(([103],), ([1, 50, 52],), ([10] * 10 + [3],))
  def test_streaming_contiguous_equals_batch(self, sizes):
    logits = np.random.default_rng(2).normal(size=(103, 12))
    acc = is_lib.InceptionScoreAccumulator(12, 10, num_samples=103)
    for chunk in np.split(logits, np.cumsum(sizes)[:-1]):
      acc.update(logits=chunk)
    np.testing.assert_allclose(acc.result().split_scores,
                               is_lib.inception_score(logits=logits).split_scores, rtol=1e-12)

  def test_round_robin_and_merge(self):
    logits = np.random.default_rng(3).normal(size=(40, 5))
    a = is_lib.InceptionScoreAccumulator(5, 4).update(logits=logits[:20])
    b = is_lib.InceptionScoreAccumulator(5, 4).update(logits=logits[20:])
    got = a.merge(b).result()
    ref = [_tfgan_style_score(logits[s::4]) for s in range(4)]
    np.testing.assert_allclose(np.sort(got.split_scores), np.sort(ref), rtol=1e-12)

  def test_bad_input(self):
    with self.assertRaisesRegex(ValueError, "exactly one of"):
      is_lib.inception_score(logits=np.zeros([4, 3]), probs=np.zeros([4, 3]), num_splits=2)
    with self.assertRaisesRegex(ValueError, "sum to 1"):
      is_lib.inception_score(probs=np.ones([10, 3]), num_splits=2)
    with self.assertRaisesRegex(ValueError, "expected 4"):
      is_lib.InceptionScoreAccumulator(4).update(logits=np.zeros([3, 5]))
    with self.assertRaisesRegex(ValueError, "num_samples=10"):
      is_lib.InceptionScoreAccumulator(3, 2, num_samples=10).update(logits=np.zeros([11, 3]))
    with self.assertRaisesRegex(ValueError, "every split needs a sample"):
      is_lib.InceptionScoreAccumulator(3, 10).update(logits=np.zeros([5, 3])).result()
    with self.assertRaisesRegex(ValueError, "non-finite"):
      is_lib.inception_score(logits=np.full([10, 3], np.nan), num_splits=2)


class AMScoreTest(parameterized.TestCase):

  def test_perfect_generator_is_zero(self):
    train_labels = np.array([0, 0, 1, 2, 2, 2, 3, 3])
    c_train = am_score.label_marginal(train_labels, 4)
    got = am_score.am_score(train_marginal=c_train, probs=np.eye(4)[train_labels])
    self.assertEqual(got, am_score.AMScore(0.0, 0.0, 0.0))

  def test_terms_against_scipy(self):
    logits = np.random.default_rng(4).normal(size=(30, 5)) * 2.0
    c_train = np.array([0.1, 0.2, 0.3, 0.25, 0.15])
    got = am_score.am_score(train_marginal=c_train, logits=logits)
    p = scipy.special.softmax(logits, axis=1)
    self.assertAlmostEqual(got.kl_term, scipy.stats.entropy(c_train, p.mean(0)), places=12)
    self.assertAlmostEqual(got.entropy_term, np.mean(scipy.stats.entropy(p, axis=1)), places=12)
    self.assertAlmostEqual(got.score, got.kl_term + got.entropy_term, places=12)
    acc = is_lib.InceptionScoreAccumulator(5, 3).update(logits=logits)
    streamed = am_score.am_score_from_stats(sample_marginal=acc.marginal,
                                            mean_sample_entropy=acc.mean_sample_entropy,
                                            train_marginal=c_train)
    self.assertAlmostEqual(streamed.score, got.score, places=12)
    np.testing.assert_allclose(am_score.class_marginal(logits=logits), p.mean(0), rtol=1e-12)

  def test_missing_class_is_infinite_kl(self):
    got = am_score.am_score(train_marginal=[0.5, 0.5], probs=np.eye(2)[[0, 0, 0]])
    self.assertEqual(got.kl_term, np.inf)

  def test_bad_input(self):
    with self.assertRaisesRegex(ValueError, "train_marginal must be non-negative and sum to 1"):
      am_score.am_score(train_marginal=[0.5, 0.6], probs=np.eye(2))
    with self.assertRaisesRegex(ValueError, "sample_marginal has 2 classes, expected 3"):
      am_score.am_score(train_marginal=[0.2, 0.3, 0.5], probs=np.eye(2))
    with self.assertRaisesRegex(ValueError, r"\[0, 3\)"):
      am_score.label_marginal([0, 3], 3)
