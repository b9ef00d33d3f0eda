"""ADA (tfgan_mh/training/ada.py): the controller against scripted r_t sequences, its settings, and the train step
with it (p follows D's real signs, checkpointed, equal under Mirrored)."""

import numpy as np
import tensorflow as tf

from tests import helpers
from tests.augment.test_diffaugment import ImageD, ImageG
from tests.training.test_step import HingeCE
from tfgan_mh.models.outputs import DiscOutput
from tfgan_mh.training import ada
from tfgan_mh.training import optim
from tfgan_mh.training.step import GANTrainer


def _script(settings, batch, r_ts):
  """Feeds r_ts one by one to a controller (in a tf.function, as the train step does); (p, last r_t) after each."""
  controller = ada.AdaController(settings, batch)
  observe = tf.function(controller.observe)
  out = [observe(tf.constant(r)) for r in r_ts]
  return [float(o["ada/p"]) for o in out], [float(o["ada/r_t"]) for o in out], controller


class ControllerTest(tf.test.TestCase):

  def test_scripted_r_t_moves_p_by_sign_every_interval(self):
    # batch 50, interval 2, kimg 1: each adjustment moves p by 50 * 2 / 1000 = 0.1.
    settings = ada.AdaSettings(pipeline="bgc", target=0.6, interval=2, kimg=1.0)
    r_ts = [0.9, 0.9, 0.9, 0.7, 0.1, 0.1, 0.2, 0.2, 0.2, 0.2, 0.5, 0.7, 0.0]
    p, last_rt, controller = _script(settings, 50, r_ts)
    # means over pairs: 0.9 (+), 0.8 (+), 0.1 (-), 0.2 (-: p 0.1 -> 0), 0.2 (-: stays at 0), 0.6 (= target: 0)
    self.assertAllClose(p, [0, 0.1, 0.1, 0.2, 0.2, 0.1, 0.1, 0, 0, 0, 0, 0, 0], atol=1e-6)
    self.assertAllClose(last_rt, [0, 0.9, 0.9, 0.8, 0.8, 0.1, 0.1, 0.2, 0.2, 0.2, 0.2, 0.6, 0.6], atol=1e-6)
    self.assertEqual(int(controller.count.numpy()), 1)  # the 13th value waits for its pair
    self.assertAllClose(controller.sign_sum.numpy(), 0.0)

  def test_p_is_bounded_below_only_and_a_fixed_p_stays(self):
    up = ada.AdaSettings(pipeline="bgc", interval=1, kimg=0.5, initial_p=0.95)  # steps of 100 / 500 = 0.2
    p, _, _ = _script(up, 100, [1.0, 1.0, -1.0])
    self.assertAllClose(p, [1.15, 1.35, 1.15], atol=1e-6)  # as the authors' code: max(p + adjust, 0)
    fixed = ada.AdaSettings(pipeline="bgc", interval=1, initial_p=0.3, adjust=False)
    p, last_rt, _ = _script(fixed, 64, [1.0, -1.0])
    self.assertAllClose(p, [0.3, 0.3])
    self.assertAllClose(last_rt, [1.0, -1.0])

  def test_bad_settings_are_one_line_errors(self):
    for kwargs, message in [
        (dict(pipeline="bgcx"), r"^ada.pipeline='bgcx': expected one of b, g, c, bg, bc, gc, bgc "),
        (dict(target=1.5), r"^ada.target=1.5: expected a number in \[0, 1\]"),
        (dict(target="0.6"), r"^ada.target='0.6': expected a number >= 0\n"),
        (dict(interval=0), r"^ada.interval=0: expected an integer >= 1\n"),
        (dict(kimg=0), r"^ada.kimg=0: expected a number > 0\n"),
        (dict(initial_p=-0.1), r"^ada.initial_p=-0.1: expected a number >= 0\n"),
        (dict(adjust="yes"), r"^ada.adjust='yes': expected True or False\n")]:
      with self.assertRaisesRegex(ValueError, message):
        ada.AdaSettings(**kwargs)
    self.assertFalse(ada.AdaSettings().active)


def _trainer(strategy, settings, **kwargs):
  return GANTrainer(
      strategy=strategy, make_generator=ImageG, make_discriminator=ImageD, family=HingeCE(),
      make_g_optimizer=lambda: optim.PreReducedAdam(1e-2), make_d_optimizer=lambda: optim.PreReducedAdam(1e-2),
      num_classes=3, image_shape=(8, 8, 3), global_batch_size=4, ada=settings, **kwargs)


def _steps(trainer, strategy, n):
  x = tf.random.stateless_uniform([4, 8, 8, 3], seed=[4, 4], minval=-1, maxval=1)
  ds = tf.data.Dataset.from_tensors((x, tf.constant([0, 1, 2, 0]))).repeat()
  it = iter(strategy.experimental_distribute_dataset(ds))
  return [{k: float(v) for k, v in trainer.train_steps(it, 1).items()} for _ in range(n)]


# interval 1, batch 4, kimg 0.016: each D update moves p by 4 / 16 = 0.25.
FAST = ada.AdaSettings(pipeline="bgc", target=0.6, interval=1, kimg=0.016)


class TrainStepTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    strategy = tf.distribute.get_strategy()
    cls.trainer = _trainer(strategy, FAST)
    cls.outs = _steps(cls.trainer, strategy, 2)
    cls.d_weights_at_2 = cls.trainer.discriminator.get_weights()
    cls.outs += _steps(cls.trainer, strategy, 2)

  def test_p_follows_the_real_signs_of_each_d_update(self):
    p = 0.0
    for out in self.outs:
      p = max(0.0, p + np.sign(out["d/real_sign"] - 0.6) * 0.25)
      self.assertAllClose(out["ada/p"], p, atol=1e-6)
      self.assertAllClose(out["ada/r_t"], out["d/real_sign"], atol=1e-6)
    self.assertGreater(max(o["ada/p"] for o in self.outs), 0.0)  # augmentation was on for some updates
    self.assertIn("ada", self.trainer.checkpoint_items())
    self.assertAllClose(self.trainer.checkpoint_items()["ada"].p.numpy(), self.outs[-1]["ada/p"])

  def test_mirrored_equals_the_default_strategy(self):
    # (XLA: tests/augment/test_bgc.py compiles the pipeline; its draws differ from TF's kernels, latents.py.)
    strategy = helpers.mirrored_strategy(self)
    mirrored = _trainer(strategy, FAST)
    outs_m = _steps(mirrored, strategy, 2)
    for out, out_m in zip(self.outs, outs_m):
      for k in ("ada/p", "d/real_sign", "d/loss", "g/loss"):
        self.assertAllClose(out[k], out_m[k], rtol=1e-4, atol=1e-5, msg=k)
    for a, b in zip(self.d_weights_at_2, mirrored.discriminator.get_weights()):
      self.assertAllClose(a, b, rtol=1e-4, atol=1e-5)

  def test_samples_and_heads_ada_cannot_take_are_refused(self):
    with self.assertRaisesRegex(ValueError, r"^ADA \(bgc\) needs images \[H, W, 1 or 3\]; these samples have shape "
                                r"\(2,\): set ada.pipeline=''$"):
      ada.check(FAST, (2,), DiscOutput(adv_logits=tf.zeros([1])))
    with self.assertRaisesRegex(ValueError, r"^ADA needs an adversarial output of D .*: set ada.pipeline=''$"):
      ada.check(FAST, (8, 8, 3), DiscOutput(class_logits=tf.zeros([1, 3])))
    ada.check(ada.AdaSettings(), (2,), None)  # off: nothing to check


if __name__ == "__main__":
  tf.test.main()
