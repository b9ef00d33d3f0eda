"""Optimizers: Adamax against the update rule of Kingma & Ba (Algorithm 2), staircase decay, gin choice."""

import gin
import keras
import numpy as np
import tensorflow as tf

from tfgan_mh.training import optim


def _adamax_reference(w, grads, lr, b1, b2, eps):
  """Adamax by hand: m = b1 m + (1 - b1) g; u = max(b2 u, |g|); w -= lr / (1 - b1^t) * m / (u + eps)."""
  m = np.zeros_like(w)
  u = np.zeros_like(w)
  for t, g in enumerate(grads, start=1):
    m = b1 * m + (1 - b1) * g
    u = np.maximum(b2 * u, np.abs(g))
    w = w - lr / (1 - b1 ** t) * m / (u + eps)
  return w


class OptimTest(tf.test.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def test_adamax_matches_the_update_rule(self):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(5).astype(np.float32)
    grads = [rng.standard_normal(5).astype(np.float32) for _ in range(4)]
    gin.parse_config(["adamax.learning_rate = 5e-2"])
    opt = optim.build("adamax", "g_adamax")
    self.assertIsInstance(opt, optim.PreReducedAdamax)
    self.assertAllClose((float(opt.beta_1), float(opt.beta_2)), (0.5, 0.999))  # 004 §4 defaults
    w = keras.Variable(w0)
    for g in grads:
      opt.apply_gradients([(tf.constant(g), w)])
    self.assertAllClose(w.numpy(), _adamax_reference(w0, grads, 5e-2, 0.5, 0.999, 1e-8), atol=1e-6)

  def test_staircase_decay(self):
    schedule = optim.rate_schedule(1e-3, decay_every=3, decay_factor=0.5)
    got = [float(schedule(step)) for step in range(8)]
    self.assertAllClose(got, [1e-3] * 3 + [5e-4] * 3 + [2.5e-4] * 2)
    self.assertEqual(optim.rate_schedule(2e-4), 2e-4)  # constant

  def test_gin_scopes_and_decay(self):
    gin.parse_config(["g/adam.learning_rate = 1e-4", "d/adam.learning_rate = 4e-4",
                      "d/adam.decay_every = 2", "d/adam.decay_factor = 0.1"])
    with gin.config_scope("g"):
      g = optim.build("adam", "g_adam")
    with gin.config_scope("d"):
      d = optim.build("adam", "d_adam")
    self.assertAllClose(float(g.learning_rate), 1e-4)
    w = keras.Variable([1.0])
    for _ in range(2):
      d.apply_gradients([(tf.constant([1.0]), w)])
    self.assertAllClose(float(d.learning_rate), 4e-5)  # after 2 iterations: one decay step

  def test_bad_choices(self):
    with self.assertRaisesRegex(ValueError, r"^train.optimizer='sgd': valid optimizers are adam, adamax$"):
      optim.build("sgd", "g")
    with self.assertRaisesRegex(ValueError, r"decay_every=10, decay_factor=None: set both"):
      optim.rate_schedule(1e-4, decay_every=10)
    with self.assertRaisesRegex(ValueError, r"decay_factor=1.5: need decay_every >= 1 and 0 < decay_factor"):
      optim.rate_schedule(1e-4, decay_every=10, decay_factor=1.5)


if __name__ == "__main__":
  tf.test.main()
