"""Building blocks: hand-computed values, margins without gradient, reference identities."""

import math

import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from tfgan_mh import losses
from tfgan_mh.losses import core


def _grad(fn, x):
  x = tf.constant(x, tf.float32)
  with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.reduce_sum(fn(x))
  return tape.gradient(y, x).numpy()


class BinaryTermsTest(tf.test.TestCase):

  def test_hinge_values(self):
    d = tf.constant([1.5, -0.5, 0.2])
    self.assertAllClose(core.hinge_real(logits=d), [0.0, 1.5, 0.8])  # max(0, 1 - d)
    self.assertAllClose(core.hinge_fake(logits=d), [2.5, 0.5, 1.2])  # max(0, 1 + d)
    self.assertAllClose(core.hinge_generator(logits=d), [-1.5, 0.5, -0.2])  # -d

  def test_bce_values(self):
    d = tf.constant([0.0, math.log(3.0)])  # sigmoid = 1/2, 3/4
    self.assertAllClose(core.bce_real(logits=d), [math.log(2.0), -math.log(0.75)])
    self.assertAllClose(core.bce_fake(logits=d), [math.log(2.0), -math.log(0.25)])
    self.assertAllClose(core.non_saturating_generator(logits=d), [math.log(2.0), -math.log(0.75)])
    self.assertAllClose(core.minimax_generator(logits=d), [-math.log(2.0), math.log(0.25)])

  def test_hinge_no_gradient_beyond_margin(self):
    self.assertAllClose(_grad(lambda x: core.hinge_real(logits=x), [2.0, 0.5]), [0.0, -1.0])
    self.assertAllClose(_grad(lambda x: core.hinge_fake(logits=x), [-2.0, 0.5]), [0.0, 1.0])

  def test_per_example_float32(self):
    for fn in (core.hinge_real, core.hinge_fake, core.hinge_generator, core.bce_real, core.bce_fake):
      out = fn(logits=tf.constant([1.0, 2.0], tf.bfloat16))
      self.assertEqual(out.dtype, tf.float32)
      self.assertEqual(out.shape, [2])


class CrammerSingerTest(parameterized.TestCase, tf.test.TestCase):

  def test_hand_computed(self):
    logits = tf.constant([[2.0, 0.5, -1.0], [0.0, 0.3, 0.1], [1.0, 1.0, 1.0]])
    labels = tf.constant([0, 2, 1])
    # 1 - C_y + max_{k != y} C_k: 1 - 2 + 0.5 < 0; 1 - 0.1 + 0.3; 1 - 1 + 1.
    self.assertAllClose(losses.crammer_singer(logits=logits, labels=labels), [0.0, 1.2, 1.0])
    self.assertAllClose(losses.crammer_singer(logits=logits, labels=labels, margin=2.0),
                        [0.5, 2.2, 2.0])

  def test_no_gradient_beyond_margin(self):
    labels = tf.constant([0, 0])
    g = _grad(lambda x: losses.crammer_singer(logits=x, labels=labels),
              [[5.0, 0.0, 0.0], [0.5, 0.2, 0.0]])
    self.assertAllClose(g, [[0.0, 0.0, 0.0], [-1.0, 1.0, 0.0]])

  @parameterized.parameters(0, 1, 2)
  def test_two_classes_is_binary_hinge_on_logit_difference(self, seed):
    rng = np.random.RandomState(seed)
    logits = rng.normal(size=[16, 2]).astype(np.float32) * 2.0
    labels = rng.randint(0, 2, size=[16])
    diff = logits[np.arange(16), labels] - logits[np.arange(16), 1 - labels]
    self.assertAllClose(losses.crammer_singer(logits=logits, labels=labels),
                        core.hinge_real(logits=diff))

  def test_static_shapes_in_graph(self):
    @tf.function(input_signature=[tf.TensorSpec([None, 4]), tf.TensorSpec([None], tf.int32)])
    def f(logits, labels):
      out = losses.crammer_singer(logits=logits, labels=labels)
      self.assertEqual(out.shape.as_list(), [None])
      return out

    self.assertAllClose(f(tf.zeros([3, 4]), tf.constant([0, 1, 3])), [1.0, 1.0, 1.0])


class ClassTermsTest(tf.test.TestCase):

  def test_softmax_and_uniform_cross_entropy(self):
    logits = tf.math.log(tf.constant([[1.0, 2.0, 5.0]]))  # probs 1/8, 2/8, 5/8
    self.assertAllClose(core.softmax_cross_entropy(logits=logits, labels=[2]), [-math.log(5 / 8)])
    self.assertAllClose(core.softmax_cross_entropy(logits=logits, labels=[0]), [math.log(8.0)])
    expected = -(math.log(1 / 8) + math.log(2 / 8) + math.log(5 / 8)) / 3  # Eq. (20) of 001
    self.assertAllClose(core.uniform_cross_entropy(logits=logits), [expected])

  def test_kplus1_terms(self):
    # K = 2 real classes, column 2 = fake; probs 1/8, 2/8 (real), 5/8 (fake).
    logits = tf.math.log(tf.constant([[1.0, 2.0, 5.0]]))
    self.assertAllClose(core.kplus1_class_loss(logits=logits, labels=[1]), [math.log(4.0)])
    self.assertAllClose(core.kplus1_fake_loss(logits=logits), [-math.log(5 / 8)])
    self.assertAllClose(core.kplus1_not_fake_loss(logits=logits), [-math.log(3 / 8)])
    self.assertAllClose(core.kplus1_fake_log_prob(logits=logits), [math.log(5 / 8)])
    self.assertAllClose(core.kplus1_max_real_loss(logits=logits), [-math.log(2 / 8)])

  def test_argmax_labels_has_no_gradient(self):
    x = tf.constant([[0.1, 0.9], [0.7, 0.2]])
    with tf.GradientTape() as tape:
      tape.watch(x)
      labels = core.argmax_labels(logits=x)
    self.assertAllEqual(labels, [1, 0])
    self.assertEqual(labels.dtype, tf.int32)
    self.assertIsNone(tape.gradient(tf.cast(labels, tf.float32), x))


class AngularTest(parameterized.TestCase, tf.test.TestCase):

  def test_hand_computed(self):
    # theta_y = arccos(0.6); with m = pi/2, cos(theta_y + m) = -sin(theta_y) = -0.8.
    out = losses.aam_cross_entropy(cos_logits=[[0.6, 0.0]], labels=[0], scale=2.0,
                                   margin=math.pi / 2)
    self.assertAllClose(out, [math.log(1.0 + math.exp(1.6))], atol=1e-5)  # -log(e^-1.6/(e^-1.6+1))

  @parameterized.parameters(0, 1)
  def test_zero_margin_unit_scale_is_softmax_cross_entropy(self, seed):
    rng = np.random.RandomState(seed)
    cos = rng.uniform(-0.99, 0.99, size=[8, 5]).astype(np.float32)
    labels = rng.randint(0, 5, size=[8])
    self.assertAllClose(losses.aam_cross_entropy(cos_logits=cos, labels=labels, scale=1.0, margin=0.0),
                        core.softmax_cross_entropy(logits=cos, labels=labels), atol=1e-5)

  def test_margin_increases_loss_and_gradient_finite_at_poles(self):
    cos = tf.constant([[1.0, -1.0, 0.0], [0.3, 0.2, 0.1]])
    labels = tf.constant([0, 0])
    base = losses.aam_cross_entropy(cos_logits=cos, labels=labels, scale=4.0, margin=0.0)
    with_margin = losses.aam_cross_entropy(cos_logits=cos, labels=labels, scale=4.0, margin=0.3)
    self.assertAllGreater(with_margin - base, 0.0)
    g = _grad(lambda x: losses.aam_cross_entropy(cos_logits=x, labels=labels, scale=4.0, margin=0.3),
              cos)
    self.assertTrue(np.all(np.isfinite(g)))


class EnergyAndFeatureTermsTest(tf.test.TestCase):

  def test_energy_hinge(self):
    self.assertAllClose(core.energy_hinge(energy=[0.5, 2.0, 3.0], margin=2.0), [1.5, 0.0, 0.0])
    g = _grad(lambda e: core.energy_hinge(energy=e, margin=2.0), [0.5, 3.0])
    self.assertAllClose(g, [-1.0, 0.0])  # no gradient from samples beyond the margin

  def test_feature_matching(self):
    real = tf.constant([[1.0, 0.0], [3.0, 2.0]])  # mean [2, 1]
    fake = tf.constant([[0.0, 0.0], [2.0, 0.0], [1.0, 3.0]])  # mean [1, 1]
    out = core.feature_matching(real_features=real, fake_features=fake)
    self.assertAllClose(out, [1.0, 1.0, 1.0])  # ||[1, 0]||^2 broadcast to B_fake
    with tf.GradientTape() as tape:
      tape.watch([real, fake])
      value = tf.reduce_mean(core.feature_matching(real_features=real, fake_features=fake))
    g_real, g_fake = tape.gradient(value, [real, fake])
    self.assertIsNone(g_real)
    # d/d fake_i of ||m_r - m_f||^2 = -2 (m_r - m_f) / B_fake.
    self.assertAllClose(g_fake, np.tile([[-2.0 / 3, 0.0]], [3, 1]))

  def test_feature_matching_mean_abs(self):
    real = tf.constant([[1.0, 0.0], [3.0, 2.0]])  # mean [2, 1]
    fake = tf.constant([[0.0, 0.0], [2.0, 0.0], [1.0, 6.0]])  # mean [1, 2]
    out = core.feature_matching(real_features=real, fake_features=fake, distance="mean_abs")
    self.assertAllClose(out, [1.0, 1.0, 1.0])  # (|2 - 1| + |1 - 2|) / 2
    with self.assertRaisesRegex(ValueError, "distance='l1' is not valid; valid: squared_l2, mean_abs"):
      core.feature_matching(real_features=real, fake_features=fake, distance="l1")


if __name__ == "__main__":
  tf.test.main()
