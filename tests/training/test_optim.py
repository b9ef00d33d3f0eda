"""Optimizers: Adam and Adamax (one fused op per variable) against the update rules of Kingma & Ba (Algorithms 1,
2), staircase decay, gin choice."""

import functools

import gin
import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from tests import helpers
from tfgan_mh.training import optim


def _adamax_reference(w, grads, rates, b1, b2, eps):
  """Adamax by hand with rate `rates[t - 1]` at step t: m = b1 m + (1 - b1) g; u = max(b2 u, |g|);
  w -= lr / (1 - b1^t) * m / (u + eps)."""
  m = np.zeros_like(w)
  u = np.zeros_like(w)
  for t, (g, lr) in enumerate(zip(grads, rates), start=1):
    m = b1 * m + (1 - b1) * g
    u = np.maximum(b2 * u, np.abs(g))
    w = w - lr / (1 - b1 ** t) * m / (u + eps)
  return w


def _adam_reference(w, grads, rates, b1, b2, eps):
  """Adam by hand (Kingma & Ba, Algorithm 1, in the efficient form of its §2) with rate `rates[t - 1]` at step t:
  w -= lr_t m / (sqrt(v) + eps), lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)."""
  m, v = np.zeros_like(w), np.zeros_like(w)
  for t, (g, lr) in enumerate(zip(grads, rates), start=1):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    w = w - lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(v) + eps)
  return w


def _apply(strategy, optimizer, w, share, g):
  strategy.run(lambda g: optimizer.apply_gradients([(g * share, w)]), (g,))


class OptimTest(parameterized.TestCase, tf.test.TestCase):

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
    self.assertAllClose(w.numpy(), _adamax_reference(w0, grads, [5e-2] * 4, 0.5, 0.999, 1e-8), atol=1e-6)

  def _runs(self, fused, plain, strategy, jit_compile):
    """A PreReduced optimizer (`fused`) and Keras's (`plain`), 4 steps on the same gradients in one tf.function
    each, with a staircase rate (0.1, 0.1, 0.05, 0.05)."""
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((3, 4)).astype(np.float32)
    grads = tf.constant(np.stack([rng.standard_normal((3, 4)) for _ in range(4)]).astype(np.float32))
    out = {}
    for name, cls in (("fused", fused), ("keras", plain)):
      with strategy.scope():
        opt = cls(learning_rate=optim.rate_schedule(0.1, decay_every=2, decay_factor=0.5), beta_1=0.5, epsilon=1e-3)
        w = keras.Variable(w0)
        opt.build([w])
      # The trainer hands a PreReduced optimizer gradients already summed over replicas; Keras's sums them itself.
      share = 1.0 if cls is fused else 1.0 / strategy.num_replicas_in_sync
      step = tf.function(functools.partial(_apply, strategy, opt, w, share), jit_compile=jit_compile)
      for g in grads:
        step(g)
      out[name] = w.numpy()
    return w0.astype(np.float64), grads.numpy().astype(np.float64), out

  def _strategies(self):
    return (("default", tf.distribute.get_strategy(), False), ("default, XLA", tf.distribute.get_strategy(), True),
            ("mirrored", helpers.mirrored_strategy(self), False))

  # float32 round-off after 4 steps: fused Adam within 6.6e-7 of the float64 rule, Keras's ops within 2.2e-6.
  @parameterized.named_parameters(
      ("adam", optim.PreReducedAdam, keras.optimizers.Adam, _adam_reference, 4e-6),
      ("adamax", optim.PreReducedAdamax, keras.optimizers.Adamax, _adamax_reference, 1e-6))
  def test_fused_update_equals_keras_and_the_update_rule(self, fused, plain, reference, keras_atol):
    for label, strategy, jit in self._strategies():
      w0, grads, out = self._runs(fused, plain, strategy, jit)
      expected = reference(w0, grads, [0.1, 0.1, 0.05, 0.05], 0.5, 0.999, 1e-3)
      self.assertAllClose(out["fused"], expected, rtol=0, atol=1e-6, msg=label)
      self.assertAllClose(out["keras"], expected, rtol=0, atol=keras_atol, msg=label)

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
    with self.assertRaisesRegex(ValueError, r"^optimization.optimizer='sgd': valid optimizers are adam, adamax$"):
      optim.build("sgd", "g")
    with self.assertRaisesRegex(ValueError, r"decay_every=10, decay_factor=None: set both"):
      optim.rate_schedule(1e-4, decay_every=10)
    with self.assertRaisesRegex(ValueError, r"decay_factor=1.5: need decay_every >= 1 and 0 < decay_factor"):
      optim.rate_schedule(1e-4, decay_every=10, decay_factor=1.5)
    for bad in (1.0, -0.1, True, "0.5"):
      with self.assertRaisesRegex(ValueError, rf"^optimization.anneal_from={bad!r}: expected a fraction of "
                                              r"train.num_steps in \[0, 1\) after which the rates fall linearly to 0, "
                                              r"or None \(no anneal\)(\n|$)"):  # gin adds the configurable
        optim.OptimizationSettings(anneal_from=bad)
    with self.assertRaisesRegex(ValueError, r"^decay_every=2, decay_factor=0.5 with optimization.anneal_from set: "
                                            r"choose the staircase decay or the linear anneal, not both$"):
      optim.rate_schedule(1e-4, decay_every=2, decay_factor=0.5, anneal=optim.Anneal(0, 4))
    with self.assertRaisesRegex(ValueError, r"^anneal start=4, end=4: need 0 <= start < end$"):
      optim.Anneal(4, 4)


class AnnealTest(tf.test.TestCase):
  """`optimization.anneal_from`: the rates held, then linearly to 0 at the last step (CycleGAN's schedule)."""

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def test_the_rate_is_held_then_falls_linearly_to_zero_on_the_step_counter(self):
    step = tf.Variable(0, dtype=tf.int64)
    schedule = optim.rate_schedule(0.1, anneal=optim.Anneal(4, 8, step.read_value))
    got = []
    for s in range(11):
      step.assign(s)
      got.append(float(schedule(tf.constant(999))))  # the counter decides, not the iterations passed
    self.assertAllClose(got, [0.1] * 5 + [0.075, 0.05, 0.025, 0.0, 0.0, 0.0])
    settings = optim.OptimizationSettings(anneal_from=0.5)
    anneal = settings.anneal(15, step.read_value)
    self.assertEqual((anneal.start, anneal.end), (8, 15))  # round(7.5): the start step
    self.assertIsNone(optim.OptimizationSettings().anneal(15, step.read_value))

  def test_adam_on_its_own_iterations_follows_the_update_rule_at_the_falling_rates(self):
    rng = np.random.default_rng(2)
    w0 = rng.standard_normal((3,)).astype(np.float32)
    grads = [rng.standard_normal((3,)).astype(np.float32) for _ in range(4)]
    opt = optim.PreReducedAdam(learning_rate=optim.rate_schedule(0.1, anneal=optim.Anneal(1, 4)), beta_1=0.5,
                               epsilon=1e-3)
    w = keras.Variable(w0)
    for g in grads:
      opt.apply_gradients([(tf.constant(g), w)])
    rates = [0.1, 0.1, 0.1 * 2 / 3, 0.1 / 3]  # the rate of update t is read at iteration t - 1
    self.assertAllClose(w.numpy(), _adam_reference(w0.astype(np.float64), grads, rates, 0.5, 0.999, 1e-3),
                        atol=1e-6)

  def test_a_trainer_anneals_both_networks_on_its_step_and_stops_learning_at_the_last(self):
    from tfgan_mh import cli, losses  # pylint: disable=g-import-not-at-top
    from tfgan_mh.training import loop  # pylint: disable=g-import-not-at-top
    cli.parse_gin(["experiments/mnist_acgan_cpu.gin"], [  # 2 D steps per G step: D's updates follow G's steps
        "train.num_steps = 10", "train.global_batch_size = 8", "optimization.anneal_from = 0.5"])

    class Source:
      image_shape, num_classes = (32, 32, 1), 10

    trainer = loop.build_trainer(tf.distribute.get_strategy(), Source, losses.get_family("acgan", num_classes=10),
                                 loop.RunSettings())
    for step, share in ((0, 1.0), (5, 1.0), (7, 0.6), (10, 0.0)):
      trainer.step.assign(step)
      self.assertAllClose([float(trainer.g_optimizer.learning_rate), float(trainer.d_optimizer.learning_rate)],
                          [1e-4 * share, 4e-4 * share], atol=1e-12)
    rng = np.random.default_rng(0)
    data = tf.data.Dataset.from_tensor_slices((rng.uniform(-1, 1, (16, 32, 32, 1)).astype(np.float32),
                                               rng.integers(0, 10, 16).astype(np.int32)))
    data = data.batch(8, drop_remainder=True).repeat()
    before = [v.numpy() for v in trainer.generator.trainable_variables + trainer.discriminator.trainable_variables]
    trainer.train_steps(iter(data), 1)  # at step 10 of 10: rate 0 for both
    after = [v.numpy() for v in trainer.generator.trainable_variables + trainer.discriminator.trainable_variables]
    for b, a in zip(before, after):
      self.assertAllEqual(b, a)
    self.assertEqual(int(trainer.step.numpy()), 11)


if __name__ == "__main__":
  tf.test.main()
