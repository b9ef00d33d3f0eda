"""LeCam regularisation: the D output it reads, the anchors and terms against hand computations, the start step,
the one-sided form, the train step (global-batch anchors under MirroredStrategy, checkpointed), and the EMA start."""

import numpy as np
import tensorflow as tf

from tests import helpers
from tests.training.test_step import _data, run_steps as _steps, tiny_trainer
from tfgan_mh.models.outputs import DiscOutput
from tfgan_mh.training import ema as ema_lib
from tfgan_mh.training import lecam


def _out(adv):
  return DiscOutput(adv_logits=tf.constant(adv, tf.float32))


class AdversarialOutputTest(tf.test.TestCase):

  def test_each_kind_of_head(self):
    self.assertAllClose(lecam.adversarial_output(_out([1.0, -2.0])), [1.0, -2.0])
    k1 = np.array([[0.5, 1.0, -1.0], [2.0, -3.0, 4.0]], np.float32)  # K = 2, column 2 is fake
    expected = np.log(np.exp(k1[:, :2]).sum(1)) - k1[:, 2]
    self.assertAllClose(lecam.adversarial_output(DiscOutput(kplus1_logits=tf.constant(k1))), expected, atol=1e-6)
    self.assertAllClose(lecam.adversarial_output(DiscOutput(energy=tf.constant([0.3, 2.0]))), [-0.3, -2.0])
    with self.assertRaisesRegex(ValueError, "LeCam needs an adversarial output of D .*lecam.weight=0"):
      lecam.adversarial_output(DiscOutput(class_logits=tf.zeros([2, 3])))


class TermsTest(tf.test.TestCase):

  def test_eq3_with_anchors_updated_first(self):
    reg = lecam.LeCam(lecam.LeCamSettings(0.5, decay=0.9))
    real, fake = [1.0, 3.0], [-2.0, 0.0]
    terms = reg.terms(_out(real), _out(fake), tf.constant(0, tf.int64), global_batch=2)
    alpha_r, alpha_f = 0.1 * 2.0, 0.1 * -1.0  # 0.9 * 0 + 0.1 * batch mean
    self.assertAllClose(reg.anchor_real.numpy(), alpha_r)
    self.assertAllClose(reg.anchor_fake.numpy(), alpha_f)
    self.assertAllClose(terms["d_lecam_real"], 0.5 * (np.array(real) - alpha_f) ** 2)
    self.assertAllClose(terms["d_lecam_fake"], 0.5 * (alpha_r - np.array(fake)) ** 2)
    # Second call: the anchors keep averaging.
    reg.terms(_out([0.0, 0.0]), _out([0.0, 0.0]), tf.constant(1, tf.int64), global_batch=2)
    self.assertAllClose(reg.anchor_real.numpy(), 0.9 * alpha_r)

  def test_one_sided_only_pulls_outputs_past_the_other_anchor(self):
    reg = lecam.LeCam(lecam.LeCamSettings(1.0, decay=0.0, one_sided=True))  # decay 0: the anchors are the batch means
    terms = reg.terms(_out([1.0, 3.0]), _out([-2.0, 0.0]), tf.constant(0, tf.int64), global_batch=2)
    # alpha_R = 2, alpha_F = -1: relu(D(x) - (-1))^2, relu(2 - D(G(z)))^2.
    self.assertAllClose(terms["d_lecam_real"], [4.0, 16.0])
    self.assertAllClose(terms["d_lecam_fake"], [16.0, 4.0])
    terms = reg.terms(_out([-3.0, 0.0]), _out([2.0, 0.0]), tf.constant(1, tf.int64), global_batch=2)
    # alpha_R = -1.5, alpha_F = 1: real -3 - 1 < 0 -> 0, 0 - 1 < 0 -> 0; fake -1.5 - 2 < 0, -1.5 - 0 < 0.
    self.assertAllClose(terms["d_lecam_real"], [0.0, 0.0])
    self.assertAllClose(terms["d_lecam_fake"], [0.0, 0.0])

  def test_before_start_the_anchors_follow_the_batch_and_the_term_is_off(self):
    reg = lecam.LeCam(lecam.LeCamSettings(1.0, decay=0.99, start_step=3))
    terms = reg.terms(_out([1.0, 3.0]), _out([-2.0, 0.0]), tf.constant(3, tf.int64), global_batch=2)
    self.assertAllClose(reg.anchor_real.numpy(), 0.01 * 2.0)  # step 3: averaging started ...
    self.assertAllClose(terms["d_lecam_real"], [0.0, 0.0])  # ... the term starts after it (StudioGAN: step > start)
    terms = reg.terms(_out([1.0, 3.0]), _out([-2.0, 0.0]), tf.constant(2, tf.int64), global_batch=2)
    self.assertAllClose(reg.anchor_real.numpy(), 2.0)  # step 2 < 3: decay 0
    terms = reg.terms(_out([1.0, 3.0]), _out([-2.0, 0.0]), tf.constant(4, tf.int64), global_batch=2)
    self.assertGreater(float(tf.reduce_min(terms["d_lecam_real"])), 0.0)

  def test_bad_settings(self):
    for kwargs, msg in [
        (dict(weight=-1), r"^lecam.weight=-1: expected a number >= 0 \(0 = no LeCam regularisation\)\n"),
        (dict(weight=1.0, decay=1.0), r"^lecam.decay=1.0: expected a number in \[0, 1\)"),
        (dict(weight=1.0, start_step=-1), r"^lecam.start_step=-1: expected an integer >= 0\n"),
        (dict(weight=1.0, one_sided=1), r"^lecam.one_sided=1: expected True or False\n")]:
      with self.assertRaisesRegex(ValueError, msg):
        lecam.LeCamSettings(**kwargs)
    with self.assertRaisesRegex(ValueError, r"^lecam.weight=0.0: must be > 0 to build LeCam"):
      lecam.LeCam(lecam.LeCamSettings(weight=0.0))


def _trainer(strategy, **kwargs):
  return tiny_trainer(strategy, d_steps=1, **kwargs)


class TrainStepTest(tf.test.TestCase):

  def test_terms_reach_the_d_loss_from_the_initial_outputs(self):
    strategy = tf.distribute.get_strategy()
    trainer = _trainer(strategy, lecam=lecam.LeCamSettings(weight=0.3))
    x, y = _data(8)
    w, b, v, c, emb = [t.numpy() for t in trainer.discriminator.trainable_variables[:5]]
    out = _steps(trainer, strategy, 1)
    adv = (np.tanh(x @ w + b) @ v + c)[:, 0] + np.sum(emb[y] * np.tanh(x @ w + b), -1)
    alpha_f = float(trainer.lecam.anchor_fake.numpy())
    self.assertAllClose(float(trainer.lecam.anchor_real.numpy()), 0.01 * adv.mean(), atol=1e-6)
    self.assertAllClose(out["d/d_lecam_real"], 0.3 * ((adv - alpha_f) ** 2).mean(), atol=1e-5)
    self.assertAllClose(out["d/loss"], out["d/real"] + out["d/fake"] + out["d/aux"] + out["d/d_lecam_real"]
                        + out["d/d_lecam_fake"], atol=1e-5)
    self.assertIn("lecam", trainer.checkpoint_items())

  def test_mirrored_equals_single_device(self):
    single = _trainer(tf.distribute.get_strategy(), lecam=lecam.LeCamSettings(weight=0.3))
    m1 = _steps(single, tf.distribute.get_strategy(), 2)
    strategy = helpers.mirrored_strategy(self)
    mirrored = _trainer(strategy, lecam=lecam.LeCamSettings(weight=0.3))
    m2 = _steps(mirrored, strategy, 2)
    self.assertAllClose(single.lecam.anchor_real.numpy(), mirrored.lecam.anchor_real.numpy(), atol=1e-6)
    self.assertAllClose(single.lecam.anchor_fake.numpy(), mirrored.lecam.anchor_fake.numpy(), atol=1e-6)
    for k in ("d/d_lecam_real", "d/d_lecam_fake", "d/loss"):
      self.assertAllClose(m1[k], m2[k], atol=1e-5, msg=k)

  def test_bad_weight_is_refused(self):
    with self.assertRaisesRegex(ValueError, "^lecam.weight=-1: expected a number >= 0"):
      _trainer(tf.distribute.get_strategy(), lecam=lecam.LeCamSettings(weight=-1))


class EmaStartTest(tf.test.TestCase):

  def test_ema_is_a_copy_until_ema_start(self):
    strategy = tf.distribute.get_strategy()
    trainer = _trainer(strategy, ema=ema_lib.EmaSettings(decay=0.5, start=2))
    _steps(trainer, strategy, 2)  # steps 0 and 1: copies
    for e, w in zip(trainer.ema_generator.trainable_variables, trainer.generator.trainable_variables):
      self.assertAllEqual(e.numpy(), w.numpy())
    _steps(trainer, strategy, 1)  # step 2: averaging
    e, w = trainer.ema_generator.trainable_variables[0].numpy(), trainer.generator.trainable_variables[0].numpy()
    self.assertNotAllClose(e, w)
    with self.assertRaisesRegex(ValueError, "^ema.start=-1: expected an integer >= 0"):
      _trainer(strategy, ema=ema_lib.EmaSettings(decay=0.5, start=-1))


if __name__ == "__main__":
  tf.test.main()
