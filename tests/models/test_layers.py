"""Conditional batch norm, self-attention and ResNet blocks."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_mh import models
from tfgan_mh.models import layers
from tfgan_mh.models import spectral


class BatchNormTest(tf.test.TestCase):

  def test_conditional_output_depends_on_label(self):
    bn = models.BatchNorm(num_classes=3)
    x = tf.random.normal([4, 2, 2, 5], seed=0)
    bn(x, tf.zeros([4], tf.int32))
    gamma = np.stack([np.full(5, 1.0), np.full(5, 2.0), np.full(5, -1.0)]).astype(np.float32)
    beta = np.stack([np.zeros(5), np.full(5, 0.5), np.full(5, 3.0)]).astype(np.float32)
    bn.gamma.assign(gamma)
    bn.beta.assign(beta)
    y = tf.constant([0, 1, 2, 1])
    out = bn(x, y, training=True).numpy()
    xn = x.numpy()
    normed = (xn - xn.mean((0, 1, 2))) / np.sqrt(xn.var((0, 1, 2)) + 1e-5)
    expected = normed * gamma[y.numpy()][:, None, None] + beta[y.numpy()][:, None, None]
    self.assertAllClose(out, expected, atol=1e-4)
    # Same input, different label -> different output.
    other = bn(x, tf.constant([1, 2, 0, 0]), training=True).numpy()
    self.assertGreater(np.abs(other - out).min(), 0.0)

  def test_unconditional_and_moving_statistics(self):
    bn = models.BatchNorm(momentum=0.5)
    x = tf.constant(np.arange(12, dtype=np.float32).reshape(4, 3))
    out = bn(x, training=True).numpy()
    self.assertAllClose(out.mean(0), np.zeros(3), atol=1e-5)
    self.assertAllClose(bn.moving_mean, 0.5 * x.numpy().mean(0))
    self.assertAllClose(bn.moving_variance, 0.5 + 0.5 * x.numpy().var(0))
    # Inference uses the moving statistics.
    inf = bn(x, training=False).numpy()
    self.assertAllClose(inf, (x.numpy() - bn.moving_mean.numpy()) /
                        np.sqrt(bn.moving_variance.numpy() + 1e-5), atol=1e-5)

  def test_images_fused_path_equals_the_composed_formula(self):
    bn = models.BatchNorm(num_classes=2, momentum=0.5)
    x = tf.random.stateless_normal([3, 4, 5, 6], seed=[1, 1]) * 3.0 + 1.0
    y = tf.constant([0, 1, 1])
    bn(x, y)
    bn.gamma.assign(tf.random.stateless_normal([2, 6], seed=[2, 2]))
    bn.beta.assign(tf.random.stateless_normal([2, 6], seed=[3, 3]))
    w = tf.random.stateless_normal([3, 4, 5, 6], seed=[4, 4])

    def composed(x):
      mean, var = tf.nn.moments(x, [0, 1, 2])
      return ((x - mean) * tf.math.rsqrt(var + 1e-5) * tf.gather(bn.gamma.value, y)[:, None, None]
              + tf.gather(bn.beta.value, y)[:, None, None])

    with tf.GradientTape(persistent=True) as tape:
      tape.watch(x)
      fused_loss = tf.reduce_sum(bn(x, y, training=True) * w)
      composed_loss = tf.reduce_sum(composed(x) * w)
    self.assertAllClose(fused_loss, composed_loss, rtol=1e-5)
    for target in (x, bn.gamma.value, bn.beta.value):
      self.assertAllClose(tf.convert_to_tensor(tape.gradient(fused_loss, target)),
                          tf.convert_to_tensor(tape.gradient(composed_loss, target)), atol=1e-4, rtol=1e-4)
    xn = x.numpy()
    self.assertAllClose(bn.moving_mean, 0.5 * xn.mean((0, 1, 2)), rtol=1e-5)
    self.assertAllClose(bn.moving_variance, 0.5 + 0.5 * xn.var((0, 1, 2)), rtol=1e-5)  # biased, as numpy's

  def test_conditional_without_labels_is_an_error(self):
    bn = models.BatchNorm(num_classes=3)
    with self.assertRaisesRegex(ValueError, "needs labels"):
      bn(tf.zeros([2, 4]))


class SelfAttentionTest(tf.test.TestCase):

  def test_identity_at_init(self):
    keras.utils.set_random_seed(0)
    att = models.SelfAttention()
    x = tf.random.normal([2, 4, 4, 16], seed=1)
    self.assertAllEqual(att(x, training=True), x)
    self.assertEqual(float(att.gamma.numpy()), 0.0)
    self.assertIn(id(att.gamma), [id(v) for v in att.trainable_variables])

  def test_gate_open_matches_numpy_attention(self):
    keras.utils.set_random_seed(0)
    att = models.SelfAttention()
    x = tf.random.normal([1, 4, 4, 16], seed=2)
    att(x)
    att.gamma.assign(0.5)
    out = att(x, training=False).numpy()

    def conv1x1(layer, t):
      return t @ layer.normalized_kernel().numpy()[0, 0]

    def pool(t):  # 2x2 max pool on [1, 4, 4, C]
      return t.reshape(1, 2, 2, 2, 2, -1).max(axis=(2, 4))

    xn = x.numpy()
    theta = conv1x1(att.theta, xn).reshape(16, -1)
    phi = pool(conv1x1(att.phi, xn)).reshape(4, -1)
    g = pool(conv1x1(att.g, xn)).reshape(4, -1)
    logits = theta @ phi.T
    a = np.exp(logits - logits.max(1, keepdims=True))
    a /= a.sum(1, keepdims=True)
    o = conv1x1(att.o, (a @ g).reshape(1, 4, 4, -1))
    self.assertAllClose(out, xn + 0.5 * o, atol=1e-4)


class BlocksTest(tf.test.TestCase):

  def test_block_shapes(self):
    g = models.GBlock(6, num_classes=3)
    h = g(tf.random.normal([2, 4, 4, 8]), tf.constant([0, 2]), training=True)
    self.assertEqual(h.shape, (2, 8, 8, 6))
    d = models.DBlock(5, downsample=True, first=True)
    self.assertEqual(d(tf.random.normal([2, 8, 8, 3]), training=True).shape, (2, 4, 4, 5))
    d2 = models.DBlock(5, downsample=False)
    self.assertEqual(d2(tf.random.normal([2, 4, 4, 5]), training=True).shape, (2, 4, 4, 5))
    self.assertIsNone(d2.conv_sc)  # identity shortcut when shape is kept

  def test_up_and_down_sampling(self):
    x = tf.constant(np.arange(4, dtype=np.float32).reshape(1, 2, 2, 1))
    up = layers.upsample2x(x).numpy()[0, :, :, 0]
    self.assertAllEqual(up, [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]])
    self.assertAllEqual(layers.avgpool2x(layers.upsample2x(x)), x)


class UpsampledConvTest(tf.test.TestCase):
  """conv(upsample2x(x)) computed without upsampling (SNConv2D(upsample=True)) equals the naive order."""

  def _compare(self, conv, x):
    conv(x)  # build
    with tf.GradientTape(persistent=True) as tape:
      tape.watch(x)
      fast = conv(x, training=False, upsample=True)
      naive = conv(layers.upsample2x(x), training=False)
      weights = tf.random.stateless_normal(naive.shape, seed=[5, 6])
      loss_fast, loss_naive = tf.reduce_sum(fast * weights), tf.reduce_sum(naive * weights)
    self.assertEqual(fast.shape, naive.shape)
    self.assertAllClose(fast, naive, atol=1e-5, rtol=1e-5)
    for target in (x, conv.kernel.value, conv.bias.value):
      self.assertAllClose(tape.gradient(loss_fast, target), tape.gradient(loss_naive, target),
                          atol=1e-4, rtol=1e-5)

  def test_3x3_is_a_stride_2_transposed_conv(self):
    x = tf.random.stateless_normal([2, 5, 4, 3], seed=[1, 2])
    self._compare(models.SNConv2D(7, 3, name="c3"), x)

  def test_1x1_and_other_kernels(self):
    x = tf.random.stateless_normal([2, 4, 4, 3], seed=[3, 4])
    self._compare(models.SNConv2D(6, 1, name="c1"), x)
    self._compare(models.SNConv2D(6, 5, name="c5"), x)  # no shortcut: upsamples first

  def test_kernel_taps_by_hand(self):
    k = np.arange(9, dtype=np.float32).reshape(3, 3, 1, 1)  # rows [0 1 2], [3 4 5], [6 7 8]
    t = spectral.upsampled_conv_kernel(tf.constant(k)).numpy()[:, :, 0, 0]
    row_taps = [[2], [1, 2], [0, 1], [0]]  # input row i reaches output rows 2i-1 .. 2i+2
    expected = [[sum(k[r, c, 0, 0] for r in rows for c in cols) for cols in row_taps] for rows in row_taps]
    self.assertAllEqual(t, expected)

  def test_gblock_modes_agree(self):
    x = tf.random.stateless_normal([4, 4, 4, 8], seed=[7, 8])
    y = tf.constant([0, 2, 1, 2])
    fast = models.GBlock(6, num_classes=3, name="fast")
    naive = models.GBlock(6, num_classes=3, upsample_conv="naive", name="naive")
    fast(x, y)
    naive(x, y)
    for a, b in zip(naive.weights, fast.weights):
      a.assign(b)
    self.assertAllClose(fast(x, y, training=True), naive(x, y, training=True), atol=1e-5, rtol=1e-5)
    with self.assertRaisesRegex(ValueError, r"upsample_conv='nearest' is not valid; valid: transposed, naive"):
      models.GBlock(6, upsample_conv="nearest")


if __name__ == "__main__":
  tf.test.main()
