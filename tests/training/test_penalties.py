"""R1 / R2 gradient penalties: settings, hand values on critics with analytic input gradients, the lazy schedule,
the second-order gradient they give D's weights, and the train step (default, XLA, MirroredStrategy)."""

import numpy as np
import tensorflow as tf

from tests import helpers
from tests.training.test_step import K, _data, run_steps as _steps, tiny_trainer
from tfgan_mh.models.outputs import DiscOutput
from tfgan_mh.training.penalties import GradientPenalty


def _quadratic(a):
  """D(x) = sum_j a_j x_j^2 per example: grad_x D = 2 a x."""
  return lambda x: DiscOutput(adv_logits=tf.reduce_sum(a * tf.square(x), axis=1))


def _terms(penalty, critic, real_x, fake_x, d_updates=0):
  real_x, fake_x = tf.constant(real_x), tf.constant(fake_x)
  with penalty.recording(real_x, fake_x) as tape:
    real, fake = critic(real_x), critic(fake_x)
  return penalty.terms(tape, real_x, fake_x, real, fake, tf.constant(d_updates, tf.int64))


class SettingsTest(tf.test.TestCase):

  def test_bad_values_are_one_line_errors(self):
    for kwargs, msg in [(dict(r1_gamma=-1.0), r"r1_gamma=-1.0: expected a number >= 0"),
                        (dict(r2_gamma="0.1"), r"r2_gamma='0.1': expected a number >= 0"),
                        (dict(r1_gamma=float("nan")), r"r1_gamma=nan"), (dict(r1_gamma=True), r"r1_gamma=True"),
                        (dict(every=0), r"every=0: expected an integer >= 1"), (dict(every=2.0), r"every=2.0")]:
      with self.assertRaisesRegex(ValueError, msg):
        GradientPenalty(**kwargs)
    self.assertFalse(GradientPenalty().active)
    self.assertTrue(GradientPenalty(r2_gamma=0.1).active)

  def test_heads_without_an_adversarial_score_are_refused(self):
    with self.assertRaisesRegex(ValueError, "the gradient penalty needs an adversarial output of D .*r1_gamma = 0"):
      GradientPenalty(r1_gamma=1.0).check(DiscOutput(class_logits=tf.zeros([2, K])))
    GradientPenalty().check(DiscOutput(class_logits=tf.zeros([2, K])))  # off: nothing to check


class TermsTest(tf.test.TestCase):

  def test_quadratic_critic_hand_values(self):
    rng = np.random.default_rng(0)
    a = np.array([0.5, -1.0, 2.0], np.float32)
    real_x, fake_x = rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=(4, 3)).astype(np.float32)
    terms = _terms(GradientPenalty(r1_gamma=0.2, r2_gamma=3.0), _quadratic(a), real_x, fake_x)
    self.assertAllClose(terms["d_r1"], 0.1 * np.sum((2 * a * real_x) ** 2, axis=1), rtol=1e-6)
    self.assertAllClose(terms["d_r2"], 1.5 * np.sum((2 * a * fake_x) ** 2, axis=1), rtol=1e-6)
    only_r2 = _terms(GradientPenalty(r2_gamma=3.0), _quadratic(a), real_x, fake_x)
    self.assertEqual(sorted(only_r2), ["d_r2"])
    self.assertAllClose(only_r2["d_r2"], terms["d_r2"])

  def test_image_shaped_inputs_sum_over_every_pixel(self):
    x = np.arange(2 * 2 * 2 * 3, dtype=np.float32).reshape(2, 2, 2, 3) / 10.0
    critic = lambda t: DiscOutput(adv_logits=tf.reduce_sum(tf.square(t), axis=[1, 2, 3]))  # grad = 2x
    terms = _terms(GradientPenalty(r1_gamma=1.0), critic, x, x)
    self.assertAllClose(terms["d_r1"], 0.5 * np.sum((2 * x) ** 2, axis=(1, 2, 3)), rtol=1e-6)

  def test_lazy_every_k_updates_weighted_k(self):
    a = np.array([1.0, 2.0], np.float32)
    x = np.array([[1.0, 1.0], [0.5, -1.0]], np.float32)
    expected = 0.5 * np.sum((2 * a * x) ** 2, axis=1)
    penalty = GradientPenalty(r1_gamma=1.0, every=3)

    @tf.function
    def lazy(d_updates):
      real_x = tf.constant(x)
      with penalty.recording(real_x, real_x) as tape:
        real = _quadratic(a)(real_x)
      return penalty.terms(tape, real_x, real_x, real, real, d_updates)["d_r1"]

    for d_updates, weight in [(0, 3.0), (1, 0.0), (2, 0.0), (3, 3.0), (7, 0.0)]:
      self.assertAllClose(lazy(tf.constant(d_updates, tf.int64)), weight * expected, rtol=1e-6, msg=d_updates)

  def test_the_penalty_gradient_of_a_linear_critic_is_gamma_w(self):
    # D(x) = <w, x>: grad_x D = w, R1 = gamma/2 ||w||^2 per example, so d(mean R1)/dw = gamma * w (a second-order
    # gradient: through tape.gradient, and through the lazy tf.cond).
    w = tf.Variable([0.5, -2.0, 1.5])
    x = tf.constant(np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32))

    @tf.function
    def grad_of_penalty(penalty, d_updates):
      with tf.GradientTape() as outer:
        with penalty.recording(x, x) as tape:
          out = DiscOutput(adv_logits=tf.linalg.matvec(x, w))
        loss = tf.reduce_mean(penalty.terms(tape, x, x, out, out, tf.constant(d_updates, tf.int64))["d_r1"])
      return loss, outer.gradient(loss, w)

    for penalty, d_updates, weight in [(GradientPenalty(r1_gamma=0.3), 5, 1.0),
                                       (GradientPenalty(r1_gamma=0.3, every=2), 4, 2.0),
                                       (GradientPenalty(r1_gamma=0.3, every=2), 3, 0.0)]:
      loss, grad = grad_of_penalty(penalty, d_updates)
      self.assertAllClose(loss, weight * 0.15 * np.sum(w.numpy() ** 2), rtol=1e-6)
      self.assertAllClose(grad, weight * 0.3 * w.numpy(), rtol=1e-6)


def _trainer(strategy, penalty, jit_compile=False):
  return tiny_trainer(strategy, d_steps=1, penalty=penalty, jit_compile=jit_compile)


class TrainStepTest(tf.test.TestCase):

  def test_r1_reaches_the_d_loss_at_the_initial_weights(self):
    strategy = tf.distribute.get_strategy()
    trainer = _trainer(strategy, GradientPenalty(r1_gamma=0.4))
    x, y = _data(8)
    w, b, v, _, emb = [t.numpy() for t in trainer.discriminator.trainable_variables[:5]]
    out = _steps(trainer, strategy, 1)
    # adv = lin(h) + <E_y, h>, h = tanh(x W + b): grad_x adv = W ((v + E_y) * (1 - h^2)).
    h = np.tanh(x @ w + b)
    grad = ((v[:, 0][None, :] + emb[y]) * (1 - h ** 2)) @ w.T  # [B, D_IN]
    self.assertAllClose(out["d/d_r1"], 0.2 * np.mean(np.sum(grad ** 2, axis=1)), rtol=1e-5)
    self.assertAllClose(out["d/loss"], out["d/real"] + out["d/fake"] + out["d/aux"] + out["d/d_r1"], atol=1e-5)
    self.assertNotIn("d/d_r2", out)

  def test_xla_and_mirrored_equal_the_default_strategy(self):
    penalty = GradientPenalty(r1_gamma=0.5, r2_gamma=0.25, every=2)
    default = _trainer(tf.distribute.get_strategy(), penalty)
    outs = [_steps(default, tf.distribute.get_strategy(), 1) for _ in range(2)]  # updates 0 (on) and 1 (off)
    self.assertGreater(outs[0]["d/d_r1"], 0.0)
    self.assertGreater(outs[0]["d/d_r2"], 0.0)
    self.assertEqual((outs[1]["d/d_r1"], outs[1]["d/d_r2"]), (0.0, 0.0))
    # XLA draws other z from the same seed than TF's kernels (tfgan_mh/models/latents.py): only the terms on real
    # data can agree; the Mirrored run draws the same z and must agree everywhere.
    others = [("xla", tf.distribute.get_strategy(), True, ("d/d_r1",)),
              ("mirrored", helpers.mirrored_strategy(self), False, ("d/d_r1", "d/d_r2", "d/loss", "d/grad_norm"))]
    for name, strategy, jit, keys in others:
      trainer = _trainer(strategy, penalty, jit_compile=jit)
      outs_o = [_steps(trainer, strategy, 1) for _ in range(2)]
      for step, (out, out_o) in enumerate(zip(outs, outs_o)):
        for k in keys:
          self.assertAllClose(out[k], out_o[k], rtol=1e-4, atol=1e-5, msg=f"{name} step {step}: {k}")
    for a, b in zip(default.discriminator.get_weights(), trainer.discriminator.get_weights()):
      self.assertAllClose(a, b, rtol=1e-4, atol=1e-5, msg="mirrored")

if __name__ == "__main__":
  tf.test.main()
