"""The K+1 optimum of Eq. (1)-(2) of shared/papers/002 on a discrete toy, with the families' own terms.

Support of n points, K = 2 real class PMFs f_1, f_2, priors p_m. For a generator PMF f_0 the optimal
K+1 discriminator is d*_m(x) = p_m f_m(x) / f_avg(x) (002 §2.1); the generator then minimises
L_{K+1}(d*, f_0) = sum_m p_m E_{f_m} log d*_m, whose minimiser (002 Eq. (2)) is p_0 f_0 = sum_m p_m f_m
for p_0 = 1/2, and in general f_0 proportional to f_real = sum_{m>0} p_m f_m.
"""

import numpy as np
import scipy.optimize
import tensorflow as tf

from tfgan_mh import losses
from tfgan_mh.models.outputs import DiscOutput

F_REAL = np.array([[0.30, 0.30, 0.20, 0.10, 0.05, 0.05],
                   [0.05, 0.10, 0.15, 0.20, 0.20, 0.30]])  # [K, n]
K, N = F_REAL.shape


def _optimal_logits(f0, priors):
  """[n, K+1] logits of d*: log p_m f_m(x), column K = fake (prior p_0)."""
  real = tf.math.log(tf.constant(priors[1:, None] * F_REAL, tf.float32))  # [K, n]
  fake = tf.math.log(priors[0] * f0)[None, :]  # [1, n]
  return tf.transpose(tf.concat([real, fake], axis=0))  # [n, K+1]


def _expected_terms(family, logits, f0, priors):
  """(E over real classes of the D real term, E_{f_0} of G's term, E_{f_0} of D's fake term)."""
  real = DiscOutput(kplus1_logits=tf.tile(logits, [K, 1]))  # [K n, K+1]: every (class, x) pair
  labels = tf.repeat(tf.range(K), N)  # [K n]
  fake = DiscOutput(kplus1_logits=logits)
  d = family.discriminator_loss(real=real, fake=fake, real_labels=labels, fake_labels=None)
  g = family.generator_loss(fake=fake, fake_labels=None)
  w_real = tf.constant((priors[1:, None] * F_REAL).reshape(-1), tf.float32)  # p_m f_m(x)
  w_fake = priors[0] * f0  # p_0 f_0(x)
  return (tf.reduce_sum(w_real * d["d_class_real"]), tf.reduce_sum(w_fake * g["g_log_fake"]),
          tf.reduce_sum(w_fake * d["d_fake_class"]))


class KPlus1OptimumTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.family = losses.get_family("kplus1", num_classes=K)

  def test_optimal_discriminator_is_stationary(self):
    priors = np.array([0.5, 0.25, 0.25], np.float32)
    f0 = tf.constant(np.full(N, 1.0 / N), tf.float32)
    logits = _optimal_logits(f0, priors)
    with tf.GradientTape() as tape:
      tape.watch(logits)
      real_term, _, fake_term = _expected_terms(self.family, logits, f0, priors)
      d_loss = real_term + fake_term  # expected K+1 discriminator loss = -L_{K+1}
    self.assertAllClose(tape.gradient(d_loss, logits), np.zeros([N, K + 1]), atol=1e-6)

  def _minimise_generator(self, priors):
    def objective(theta):
      theta = tf.constant(theta, tf.float32)
      with tf.GradientTape() as tape:
        tape.watch(theta)
        f0 = tf.nn.softmax(theta)
        real_term, g_term, _ = _expected_terms(self.family, _optimal_logits(f0, priors), f0,
                                               priors)
        value = -real_term + g_term  # L_{K+1}(d*(f_0), f_0), Eq. (1) with d = d*
      return float(value), tape.gradient(value, theta).numpy().astype(np.float64)

    theta0 = np.random.RandomState(0).normal(size=N)
    result = scipy.optimize.minimize(objective, theta0, jac=True, method="L-BFGS-B",
                                     options=dict(gtol=1e-9, ftol=1e-12, maxiter=500))
    start, _ = objective(theta0)
    self.assertLess(result.fun, start)
    return tf.nn.softmax(tf.constant(result.x, tf.float32)).numpy()

  def test_generator_optimum_half_prior(self):
    priors = np.array([0.5, 0.25, 0.25], np.float32)
    f0 = self._minimise_generator(priors)
    f_real = (priors[1:, None] * F_REAL).sum(0)
    self.assertAllClose(priors[0] * f0, f_real, atol=2e-4)  # 002 Eq. (2): p_0 f_0 -> f_real

  def test_generator_optimum_uniform_prior(self):
    priors = np.full(K + 1, 1.0 / (K + 1), np.float32)
    f0 = self._minimise_generator(priors)
    f_real = (priors[1:, None] * F_REAL).sum(0)
    self.assertAllClose(f0, f_real / f_real.sum(), atol=2e-4)  # f_0 proportional to f_real
    self.assertGreater(np.abs(f0 - F_REAL[0]).max(), 0.05)  # ... not one class's PMF


if __name__ == "__main__":
  tf.test.main()
