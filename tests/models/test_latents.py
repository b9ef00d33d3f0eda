"""The truncation trick (BigGAN §3.1): truncated-normal latents against scipy.stats.truncnorm."""

import numpy as np
import tensorflow as tf
from absl.testing import parameterized
from scipy import stats

from tfgan_mh.models import latents


class CheckTruncationTest(tf.test.TestCase):

  def test_off_and_on(self):
    for off in (None, 0, 0.0):
      self.assertIsNone(latents.check_truncation(off))
    self.assertEqual(latents.check_truncation(0.5), 0.5)
    self.assertEqual(latents.check_truncation(np.float32(2.0)), 2.0)

  def test_bad_values_are_one_line(self):
    for bad in (-0.5, -1, float("nan"), float("inf"), "0.5", True):
      with self.assertRaisesRegex(ValueError, r"^--truncation=.* is not valid: expected a threshold > 0 "
                                  r"\(e.g. 0.5; BigGAN §3.1\), or 0 / None for no truncation$"):
        latents.check_truncation(bad, "--truncation")
    with self.assertRaisesRegex(ValueError, r"^truncation=-2.0 is not valid"):
      latents.truncated_normal([3], -2.0, seed=0)
    with self.assertRaisesRegex(ValueError, r"^truncation=-2.0 is not valid"):
      latents.truncate_numpy(np.zeros(3), -2.0, np.random.default_rng(0))


class TruncatedNormalTest(tf.test.TestCase, parameterized.TestCase):

  def _assert_truncnorm(self, z, threshold):
    z = np.asarray(z, np.float64).ravel()
    self.assertLessEqual(np.abs(z).max(), threshold)
    ref = stats.truncnorm(-threshold, threshold)
    mean, var = ref.stats("mv")
    n = len(z)
    self.assertLess(abs(z.mean() - mean), 4 * np.sqrt(var / n))  # 4 standard errors
    self.assertAllClose(z.var(), var, rtol=0.03)
    self.assertGreater(stats.kstest(z, ref.cdf).pvalue, 0.01)  # fixed seeds: a deterministic check
    # Not a clipped normal: no mass piled at +-threshold; not a rescaled one: the variance is truncnorm's.
    self.assertLess(np.mean(np.abs(z) > 0.999 * threshold), 0.01)

  @parameterized.parameters(0.5, 1.0, 2.0)
  def test_tf_is_the_truncated_normal(self, threshold):
    z = latents.truncated_normal([200, 100], threshold, seed=3)
    self.assertEqual(z.dtype, tf.float32)
    self._assert_truncnorm(z.numpy(), threshold)

  @parameterized.parameters(0.5, 1.0, 2.0)
  def test_numpy_is_the_truncated_normal(self, threshold):
    rng = np.random.default_rng(3)
    z = latents.truncate_numpy(rng.standard_normal((200, 100), dtype=np.float32), threshold, rng)
    self.assertEqual(z.dtype, np.float32)
    self._assert_truncnorm(z, threshold)

  def test_seeds(self):
    a = latents.truncated_normal([4, 8], 0.7, seed=5).numpy()
    np.testing.assert_array_equal(a, latents.truncated_normal([4, 8], 0.7, seed=5).numpy())
    np.testing.assert_array_equal(a, latents.truncated_normal([4, 8], 0.7, seed=[5, 0]).numpy())
    self.assertGreater(np.abs(a - latents.truncated_normal([4, 8], 0.7, seed=6).numpy()).max(), 0)
    # Off: plain N(0, I), the stateless normal of the same seed.
    for off in (None, 0):
      np.testing.assert_array_equal(latents.truncated_normal([4, 8], off, seed=5).numpy(),
                                    tf.random.stateless_normal([4, 8], [5, 0]).numpy())

  def test_numpy_off_keeps_the_draws_and_inside_entries_stay(self):
    z = np.random.default_rng(1).standard_normal((50, 4))
    self.assertIs(latents.truncate_numpy(z, None, np.random.default_rng(2)), z)
    self.assertIs(latents.truncate_numpy(z, 0, np.random.default_rng(2)), z)
    t = latents.truncate_numpy(z, 1.0, np.random.default_rng(2))
    inside = np.abs(z) <= 1.0
    np.testing.assert_array_equal(t[inside], z[inside])  # only the entries outside are drawn again
    self.assertTrue(np.all(t[~inside] != z[~inside]))
    self.assertLessEqual(np.abs(t).max(), 1.0)

  def test_dynamic_batch_keeps_the_static_width(self):
    fn = tf.function(lambda n: latents.truncated_normal(tf.stack([n, 16]), 0.5, seed=0),
                     input_signature=[tf.TensorSpec([], tf.int32)])
    self.assertEqual(fn.get_concrete_function().structured_outputs.shape.as_list(), [None, 16])
    self.assertEqual(fn(tf.constant(3)).shape, (3, 16))

  def test_describe(self):
    self.assertEqual(latents.describe(None), "N(0, I)")
    self.assertEqual(latents.describe(0.5), "truncated N(0, I): every |z_i| > 0.5 resampled (BigGAN §3.1)")


if __name__ == "__main__":
  tf.test.main()
