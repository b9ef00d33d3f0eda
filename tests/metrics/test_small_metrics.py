"""Accuracies, confidence distribution, class histogram, mean pairwise embedding distance."""

from absl.testing import parameterized
import numpy as np
import scipy.spatial.distance
import tensorflow as tf

from tfgan_mh.metrics import accuracy
from tfgan_mh.metrics import class_histogram
from tfgan_mh.metrics import confidence
from tfgan_mh.metrics import pairwise_distance
from tfgan_mh.models.outputs import DiscOutput


class AccuracyTest(parameterized.TestCase):

  def test_classifier_and_self_accuracy(self):
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 0.0, 5.0], [1.0, 0.0, 0.0]])
    labels = np.array([0, 1, 1, 2])
    self.assertEqual(accuracy.classifier_accuracy(logits=logits, labels=labels), 0.5)
    self.assertEqual(accuracy.self_accuracy(logits=tf.constant(logits), labels=labels), 0.5)
    np.testing.assert_array_equal(
        accuracy.classifier_accuracy(logits=logits, labels=labels, reduce=False),
        [True, True, False, False])

  def test_discriminator_accuracy(self):
    adv = np.array([0.5, -0.1, 0.0, 2.0])
    self.assertEqual(accuracy.discriminator_real_accuracy(adv_logits=adv), 0.5)  # 0 is not > 0.
    self.assertEqual(accuracy.discriminator_fake_accuracy(adv_logits=adv), 0.25)

  def test_projection_as_classifier(self):
    # D(x, k) = psi(phi) + <embed_k, phi>: the class-independent psi term cannot change the argmax.
    rng = np.random.default_rng(0)
    phi = rng.normal(size=(16, 4)).astype(np.float32)
    embed = rng.normal(size=(3, 4)).astype(np.float32)
    psi = rng.normal(size=(16,)).astype(np.float32) * 10.0

    def disc(x, y):
      proj = tf.reduce_sum(tf.gather(embed, y) * x, axis=1)  # [B]
      return DiscOutput(adv_logits=psi + proj)

    matrix = accuracy.projection_logits(disc, tf.constant(phi), 3)
    np.testing.assert_allclose(matrix.numpy(), psi[:, None] + phi @ embed.T, rtol=1e-5, atol=1e-5)
    labels = np.argmax(phi @ embed.T, axis=1)
    self.assertEqual(accuracy.projection_accuracy(projection_logits=matrix, labels=labels), 1.0)
    self.assertEqual(
        accuracy.projection_accuracy(projection_logits=matrix, labels=(labels + 1) % 3), 0.0)
    with self.assertRaisesRegex(ValueError, "adv_logits is None"):
      accuracy.projection_logits(lambda x, y: DiscOutput(), tf.constant(phi), 3)

  def test_bad_input(self):
    with self.assertRaisesRegex(ValueError, r"\[0, 3\)"):
      accuracy.classifier_accuracy(logits=np.zeros([2, 3]), labels=[0, 3])
    with self.assertRaisesRegex(ValueError, "2 rows for 3 labels"):
      accuracy.classifier_accuracy(logits=np.zeros([2, 3]), labels=[0, 1, 2])
    with self.assertRaisesRegex(ValueError, "1-D"):
      accuracy.discriminator_real_accuracy(adv_logits=np.zeros([2, 1]))
    with self.assertRaisesRegex(ValueError, "empty"):
      accuracy.discriminator_real_accuracy(adv_logits=np.zeros([0]))


class ConfidenceTest(parameterized.TestCase):

  def test_max_and_target_confidence(self):
    probs = np.array([[0.9, 0.1], [0.3, 0.7], [0.5, 0.5], [0.02, 0.98]])
    got = confidence.confidence_distribution(probs=probs, num_bins=4)
    np.testing.assert_allclose(got.values, [0.9, 0.7, 0.5, 0.98])
    self.assertAlmostEqual(got.mean, 0.77, places=12)
    np.testing.assert_array_equal(got.counts, [0, 0, 2, 2])  # 0.5 falls in [0.5, 0.75).
    np.testing.assert_allclose(got.bin_edges, [0, 0.25, 0.5, 0.75, 1.0])
    target = confidence.confidence_distribution(probs=probs, labels=[1, 1, 0, 0], num_bins=4)
    np.testing.assert_allclose(target.values, [0.1, 0.7, 0.5, 0.02])
    np.testing.assert_array_equal(target.counts, [2, 0, 2, 0])

  def test_certain_predictions_land_in_last_bin(self):
    got = confidence.confidence_distribution(logits=100.0 * np.eye(3), num_bins=10)
    self.assertEqual(got.counts[-1], 3)
    self.assertAlmostEqual(got.mean, 1.0, places=12)

  def test_bad_labels(self):
    with self.assertRaisesRegex(ValueError, r"labels must be \[2\] ints in \[0, 2\)"):
      confidence.confidence_distribution(probs=np.eye(2), labels=[0, 2])


class ClassHistogramTest(parameterized.TestCase):

  def test_counts_and_fractions(self):
    got = class_histogram.class_histogram(num_classes=4, labels=[0, 0, 1, 3, 3, 3])
    np.testing.assert_array_equal(got.counts, [2, 1, 0, 3])
    np.testing.assert_allclose(got.fractions, [2 / 6, 1 / 6, 0, 3 / 6])
    from_logits = class_histogram.class_histogram(num_classes=3, logits=np.eye(3)[[2, 2, 0]])
    np.testing.assert_array_equal(from_logits.counts, [1, 0, 2])

  def test_bad_input(self):
    with self.assertRaisesRegex(ValueError, "exactly one of"):
      class_histogram.class_histogram(num_classes=3)
    with self.assertRaisesRegex(ValueError, r"\[0, 3\)"):
      class_histogram.class_histogram(num_classes=3, labels=[5])


class PairwiseDistanceTest(parameterized.TestCase):

  @parameterized.parameters(1024, 7, 1)
  def test_matches_pdist(self, block):
    e = np.random.default_rng(1).normal(size=(50, 9)) * 4.0 + 100.0
    self.assertAlmostEqual(pairwise_distance.mean_pairwise_distance(e, block_size=block),
                           scipy.spatial.distance.pdist(e).mean(), places=9)

  def test_over_batches_and_curve(self):
    e = np.random.default_rng(2).normal(size=(70, 5))
    ref = np.mean([scipy.spatial.distance.pdist(e[i * 16:(i + 1) * 16]).mean() for i in range(4)])
    self.assertAlmostEqual(
        pairwise_distance.mean_pairwise_distance_over_batches(e, batch_size=16), ref, places=10)
    curve = pairwise_distance.pairwise_distance_curve(e, base=16, num_trials=3, seed=0)
    np.testing.assert_array_equal(curve.batch_sizes, [16, 32, 48, 64])
    rng = np.random.default_rng(0)
    trials = [[scipy.spatial.distance.pdist(e[rng.choice(70, s, replace=False)]).mean()
               for s in (16, 32, 48, 64)] for _ in range(3)]
    np.testing.assert_allclose(curve.mean, np.mean(trials, axis=0), rtol=1e-10)
    np.testing.assert_allclose(curve.std, np.std(trials, axis=0), rtol=1e-8, atol=1e-12)

  def test_identical_embeddings_are_zero(self):
    self.assertEqual(pairwise_distance.mean_pairwise_distance(np.ones([5, 3])), 0.0)

  def test_bad_input(self):
    with self.assertRaisesRegex(ValueError, "B >= 2"):
      pairwise_distance.mean_pairwise_distance(np.zeros([1, 3]))
    with self.assertRaisesRegex(ValueError, r"must lie in \[2, 10\]"):
      pairwise_distance.pairwise_distance_curve(np.zeros([10, 3]), base=8, multiples=[1, 2])


class EnergyStatsTest(parameterized.TestCase):

  def test_hand_values(self):
    from tfgan_mh.metrics import energy  # pylint: disable=g-import-not-at-top
    got = energy.energy_statistics(real_energy=[1.0, 3.0], fake_energy=[2.0, 4.0, 6.0, 8.0],
                                   margin=5.0)
    self.assertEqual(got, energy.EnergyStats(2.0, 1.0, 5.0, np.sqrt(5.0), 3.0, 5.0, 0.5))
    no_margin = energy.energy_statistics(real_energy=[1.0], fake_energy=[2.0])
    self.assertTrue(np.isnan(no_margin.margin) and np.isnan(no_margin.fake_inside_margin))
    with self.assertRaisesRegex(ValueError, "got 0 and 1"):
      energy.energy_statistics(real_energy=[], fake_energy=[1.0])
