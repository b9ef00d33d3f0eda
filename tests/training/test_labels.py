"""Fake labels of the generator: uniform, or the data's class frequencies p_d (000 Eq. (3)-(4))."""

import numpy as np
import tensorflow as tf

from tests.training import test_step
from tfgan_mh.training import labels
from tfgan_mh.training import optim
from tfgan_mh.training.step import GANTrainer


class _Source:

  def __init__(self, counts):
    self.counts = np.asarray(counts)

  def class_counts(self):
    return self.counts


class FakeLabelDistributionTest(tf.test.TestCase):

  def test_auto_is_uniform_on_balanced_data_and_p_d_on_imbalanced(self):
    probs, text = labels.fake_label_distribution(_Source([5421, 6742, 5958]), "auto", True)  # MNIST-like
    self.assertIsNone(probs)
    self.assertEqual(text, "uniform (auto: class counts 5421-6742, ratio 1.24)")
    probs, text = labels.fake_label_distribution(_Source([70, 20, 10]), "auto", True)
    self.assertAllClose(probs, [0.7, 0.2, 0.1])
    self.assertTrue(text.startswith("data class frequencies p_d (auto: ratio 7.00; 0.700, 0.200, 0.100"))

  def test_explicit_modes_and_unconditional(self):
    self.assertIsNone(labels.fake_label_distribution(_Source([70, 20, 10]), "uniform", True)[0])
    self.assertAllClose(labels.fake_label_distribution(_Source([2, 2, 4]), "data", True)[0], [0.25, 0.25, 0.5])
    self.assertEqual(labels.fake_label_distribution(None, "data", False), (None, "none (unconditional generator)"))

  def test_bad_input(self):
    with self.assertRaisesRegex(ValueError, r"^train.fake_labels='p_d': expected one of auto, uniform, data$"):
      labels.fake_label_distribution(_Source([1, 1]), "p_d", True)
    with self.assertRaisesRegex(ValueError, r"classes \[1\] have no training example"):
      labels.fake_label_distribution(_Source([5, 0, 5]), "data", True)
    self.assertEqual(labels.fake_label_distribution(_Source([5, 0, 5]), "auto", True),
                     (None, "uniform (auto: classes [1] have no training example)"))


class TrainerLabelsTest(tf.test.TestCase):

  def _trainer(self, label_probs):
    return GANTrainer(
        strategy=tf.distribute.get_strategy(), make_generator=test_step.TinyG,
        make_discriminator=test_step.TinyD, family=test_step.HingeCE(),
        make_g_optimizer=lambda: optim.PreReducedAdam(1e-2), make_d_optimizer=lambda: optim.PreReducedAdam(1e-2),
        num_classes=test_step.K, image_shape=(test_step.D_IN,), global_batch_size=8, label_probs=label_probs)

  def test_fake_labels_follow_p_d(self):
    _, y = self._trainer([0.7, 0.2, 0.1])._latents(20_000, salt=0)
    freq = np.bincount(y.numpy(), minlength=3) / 20_000
    self.assertAllClose(freq, [0.7, 0.2, 0.1], atol=0.015)  # 4.6 standard errors at p = 0.7

  def test_uniform_by_default(self):
    _, y = self._trainer(None)._latents(20_000, salt=0)
    self.assertAllClose(np.bincount(y.numpy(), minlength=3) / 20_000, [1 / 3] * 3, atol=0.015)


if __name__ == "__main__":
  tf.test.main()
