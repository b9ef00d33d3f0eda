"""D's training noise (tfgan_mh.models.noise): dropout's keep rate, scale and gradient, Gaussian noise against scipy,
the static (XLA) and unknown-shape paths, the global seed, bfloat16, 2 replicas."""

import keras
import numpy as np
import tensorflow as tf
from scipy import stats

from tests import helpers
from tfgan_mh.models import noise

_N = (64, 16, 16, 32)  # 524 288 elements


class DropoutTest(tf.test.TestCase):

  def _check_dropout(self, x, y, rate):
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    kept = y != 0
    np.testing.assert_array_equal(y[kept], (x * np.float32(1 / (1 - rate)))[kept].astype(np.float32))
    n, share = x.size, kept.mean()
    self.assertLess(abs(share - (1 - rate)), 5 * np.sqrt(rate * (1 - rate) / n))  # 5 binomial std errors
    return kept

  def test_keep_rate_scale_and_gradient(self):
    keras.utils.set_random_seed(3)
    x = tf.random.uniform(_N, 0.5, 1.5)  # no zeros: a zero output means dropped
    w = tf.random.normal(_N)

    @tf.function
    def forward_backward(x):
      with tf.GradientTape() as tape:
        tape.watch(x)
        y = noise.dropout(x, 0.3)
        loss = tf.reduce_sum(y * w)
      return y, tape.gradient(loss, x)

    y, grad = forward_backward(x)
    kept = self._check_dropout(x, y, 0.3)
    # d(sum(w * m * x)) / dx = w * m: the mask of the forward pass, scaled.
    np.testing.assert_allclose(grad.numpy(), np.where(kept, w.numpy() * np.float32(1 / 0.7), 0.0), rtol=1e-6)
    # Masks are independent of position: each channel keeps its share too (a constant or striped mask would not).
    per_channel = kept.reshape(-1, _N[-1]).mean(axis=0)
    self.assertLess(np.abs(per_channel - 0.7).max(), 5 * np.sqrt(0.21 / (kept.size / _N[-1])))

  def test_unknown_shape_path(self):
    f = tf.function(lambda x: noise.dropout(x, 0.5), input_signature=[tf.TensorSpec([None, 4096], tf.float32)])
    x = tf.ones([64, 4096])
    self._check_dropout(x, f(x), 0.5)

  def test_calls_differ_and_follow_the_global_seed(self):
    x = tf.ones([256, 256])

    def two_masks():
      f = tf.function(lambda: noise.dropout(x, 0.3))
      return f().numpy(), f().numpy()

    keras.utils.set_random_seed(7)
    a1, a2 = two_masks()
    keras.utils.set_random_seed(7)
    b1, b2 = two_masks()
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    self.assertGreater(np.mean((a1 != 0) != (a2 != 0)), 0.3)  # independent masks disagree on 2 * 0.3 * 0.7 = 42 %

  def test_rate_zero_dtype_and_bad_rates(self):
    x = tf.ones([8, 8], tf.bfloat16)
    self.assertIs(noise.dropout(x, 0.0), x)
    y = tf.function(lambda: noise.dropout(x, 0.5))()
    self.assertEqual(y.dtype, tf.bfloat16)
    self.assertEqual(set(np.unique(y.numpy().astype(np.float32))) - {0.0, 2.0}, set())
    for bad in (-0.1, 1.0, 1.5):
      with self.assertRaisesRegex(ValueError, rf"^dropout rate={bad}: must be in \[0, 1\)$"):
        noise.dropout(x, bad)

  def test_two_replicas(self):
    strategy = helpers.mirrored_strategy(self)
    x = tf.ones([128, 64])

    @tf.function
    def run():
      return strategy.run(lambda: noise.dropout(x, 0.3))

    per_replica = strategy.experimental_local_results(run())
    self.assertLen(per_replica, 2)
    for y in per_replica:
      self._check_dropout(x, y, 0.3)


class GaussianNoiseTest(tf.test.TestCase):

  def test_against_scipy(self):
    keras.utils.set_random_seed(5)
    x = tf.fill(_N, 2.0)
    y = tf.function(lambda: noise.gaussian_noise(x, 0.1))().numpy().astype(np.float64)
    e = (y - 2.0).ravel()
    self.assertLess(abs(e.mean()), 5 * 0.1 / np.sqrt(e.size))
    self.assertAllClose(e.std(), 0.1, rtol=0.01)
    self.assertGreater(stats.kstest(e[:20000], stats.norm(0, 0.1).cdf).pvalue, 0.01)  # fixed seed: deterministic

  def test_unknown_shape_zero_and_bad_std(self):
    f = tf.function(lambda x: noise.gaussian_noise(x, 1.0), input_signature=[tf.TensorSpec([None, 1000])])
    e = f(tf.zeros([100, 1000])).numpy()
    self.assertAllClose(e.std(), 1.0, rtol=0.02)
    x = tf.zeros([3])
    self.assertIs(noise.gaussian_noise(x, 0.0), x)
    with self.assertRaisesRegex(ValueError, r"^noise std=-0.1: must be >= 0$"):
      noise.gaussian_noise(x, -0.1)


if __name__ == "__main__":
  tf.test.main()
