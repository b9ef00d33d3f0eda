"""GANTrainer: reduction with the global batch, replica-count independence, EMA, measurements."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_mh import losses
from tfgan_mh.models import base as models_base
from tfgan_mh.models.outputs import DiscOutput
from tfgan_mh.training import ema as ema_lib
from tfgan_mh.training import optim
from tfgan_mh.models.outputs import is_real as _is_real
from tfgan_mh.training.step import GANTrainer

K, Z, D_IN = 3, 4, 2


class TinyG(models_base.LatentInput, keras.Model):
  """Linear conditional generator without batch norm (so per-replica batches do not matter)."""

  z_dim, conditional, num_classes = Z, True, K

  def __init__(self):
    super().__init__()
    self.dense = keras.layers.Dense(D_IN, kernel_initializer=keras.initializers.RandomNormal(seed=1))
    self.embed = keras.layers.Embedding(K, D_IN, embeddings_initializer=keras.initializers.RandomNormal(seed=2))

  def call(self, z, labels=None, training=False):
    return tf.tanh(self.dense(z) + self.embed(labels))


class TinyD(keras.Model):
  """phi = tanh(Wx); projection adv logit and a linear classifier."""

  heads, num_classes = ("projection", "classifier"), K

  def __init__(self):
    super().__init__()
    self.phi = keras.layers.Dense(5, activation="tanh", kernel_initializer=keras.initializers.RandomNormal(seed=3))
    self.lin = keras.layers.Dense(1, kernel_initializer=keras.initializers.RandomNormal(seed=4))
    self.embed = keras.layers.Embedding(K, 5, embeddings_initializer=keras.initializers.RandomNormal(seed=5))
    self.cls = keras.layers.Dense(K, kernel_initializer=keras.initializers.RandomNormal(seed=6))

  def call(self, x, labels=None, training=False):
    h = self.phi(x)
    adv = tf.squeeze(self.lin(h), -1) + tf.reduce_sum(self.embed(labels) * h, -1)
    return DiscOutput(adv_logits=adv, class_logits=self.cls(h), features=h)


class HingeCE(losses.LossFamily):
  """Hinge GAN + softmax CE on the classifier: enough to exercise every path of the step."""

  name, required_heads = "test_hinge_ce", ("adv_logits", "class_logits")

  def __init__(self):
    super().__init__(num_classes=K)

  def discriminator_loss(self, *, real, fake, real_labels, fake_labels):
    ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=real_labels, logits=real.class_logits)
    return {"real": tf.nn.relu(1.0 - real.adv_logits), "fake": tf.nn.relu(1.0 + fake.adv_logits),
            "aux": 0.5 * ce}

  def generator_loss(self, *, fake, fake_labels):
    return {"adv": -fake.adv_logits}


def tiny_trainer(strategy, batch=8, d_steps=2, **kwargs):
  """The tiny hinge + CE GAN (TinyG, TinyD, HingeCE) on a global batch of `batch`; `kwargs` go to GANTrainer."""
  return GANTrainer(
      strategy=strategy, make_generator=TinyG, make_discriminator=TinyD, family=HingeCE(),
      make_g_optimizer=lambda: optim.PreReducedAdam(1e-2, beta_1=0.0),
      make_d_optimizer=lambda: optim.PreReducedAdam(2e-2, beta_1=0.0),
      num_classes=K, image_shape=(D_IN,), global_batch_size=batch, d_steps=d_steps, **kwargs)


def run_steps(trainer, strategy, steps, batch=8):
  """`steps` train steps on the fixed batch `_data(batch)`; the last step's measurements as floats."""
  ds = tf.data.Dataset.from_tensors(_data(batch)).repeat()
  return {k: float(v) for k, v in trainer.train_steps(iter(strategy.experimental_distribute_dataset(ds)),
                                                      steps).items()}


def _data(batch):
  rng = np.random.default_rng(0)
  x = rng.uniform(-1, 1, (batch, D_IN)).astype(np.float32)
  y = rng.integers(0, K, batch).astype(np.int32)
  return x, y


def _run(strategy, steps=2, batch=8, ema=None):
  trainer = tiny_trainer(strategy, batch, ema=ema)
  return trainer, run_steps(trainer, strategy, steps, batch)


def _mirrored():
  devices = tf.config.list_logical_devices("CPU")
  if len(devices) < 2:
    raise AssertionError("tests/conftest.py should have made 2 logical CPUs")
  return tf.distribute.MirroredStrategy([d.name for d in devices[:2]])


class GANTrainerTest(tf.test.TestCase):

  def test_mirrored_update_equals_single_device_update(self):
    single, m1 = _run(tf.distribute.get_strategy())
    mirrored, m2 = _run(_mirrored())
    for a, b in zip(single.discriminator.trainable_variables, mirrored.discriminator.trainable_variables):
      self.assertAllClose(a.numpy(), b.numpy(), atol=1e-6)
    for a, b in zip(single.generator.trainable_variables, mirrored.generator.trainable_variables):
      self.assertAllClose(a.numpy(), b.numpy(), atol=1e-6)
    self.assertEqual(m1.keys(), m2.keys())
    for k in m1:
      self.assertAllClose(m1[k], m2[k], atol=1e-5, msg=k)
    self.assertEqual(int(single.step.numpy()), 2)

  def test_losses_are_global_means_of_the_terms(self):
    trainer = tiny_trainer(tf.distribute.get_strategy(), 8, d_steps=1)
    x, y = _data(8)
    w, b, v, c, emb, cw, cb = [t.numpy() for t in trainer.discriminator.trainable_variables]
    out = trainer.train_steps(iter(tf.data.Dataset.from_tensors((x, y)).repeat()), 1)
    # The D terms are measured before the update: recompute them with the initial weights.
    h = np.tanh(x @ w + b)
    adv = (h @ v + c)[:, 0] + np.sum(emb[y] * h, -1)
    logits = h @ cw + cb
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    self.assertAllClose(float(out["d/real"]), np.maximum(0, 1 - adv).mean(), atol=1e-5)
    self.assertAllClose(float(out["d/aux"]), 0.5 * -log_p[np.arange(8), y].mean(), atol=1e-5)
    self.assertAllClose(float(out["d/acc_real"]), (adv > 0).mean(), atol=1e-6)
    self.assertAllClose(float(out["d/class_acc_real"]), (logits.argmax(-1) == y).mean(), atol=1e-6)
    self.assertAllClose(float(out["d/loss"]),
                        float(out["d/real"] + out["d/fake"] + out["d/aux"]), atol=1e-6)
    self.assertGreater(float(out["d/grad_norm"]), 0.0)
    self.assertGreater(float(out["g/grad_norm"]), 0.0)
    self.assertBetween(float(out["g/self_acc"]), 0.0, 1.0)

  def test_ema_tracks_generator(self):
    trainer, _ = _run(tf.distribute.get_strategy(), steps=3, ema=ema_lib.EmaSettings(decay=0.5))
    g0 = TinyG()
    g0(tf.zeros([1, Z]), tf.zeros([1], tf.int32))
    w = trainer.generator.trainable_variables[0].numpy()
    e = trainer.ema_generator.trainable_variables[0].numpy()
    self.assertNotAllClose(w, e)
    # EMA lies between the initial weights and the current ones, closer to the current (decay 0.5, 3 steps).
    init = g0.trainable_variables[0].numpy()
    self.assertLess(np.abs(e - w).max(), np.abs(init - w).max())

  def test_latents_do_not_depend_on_replica_count(self):
    a = tiny_trainer(tf.distribute.get_strategy(), 8)
    b = tiny_trainer(_mirrored(), 8)
    za, _ = tf.distribute.get_strategy().run(a._latents, args=(8, 0))
    per = b.strategy.run(b._latents, args=(4, 0))[0]
    zb = tf.concat(b.strategy.experimental_local_results(per), 0)
    self.assertAllClose(za, zb)

  def test_batch_not_divisible_by_replicas(self):
    with self.assertRaisesRegex(ValueError, "global batch size 7 .* 2 replicas"):
      tiny_trainer(_mirrored(), 7)

  def test_family_heads_checked(self):
    class NeedsKplus1(HingeCE):
      required_heads = ("kplus1_logits",)

      def check_heads(self, out):
        raise ValueError("loss family 'x' needs head(s) kplus1_logits")

    with self.assertRaisesRegex(ValueError, "kplus1_logits"):
      GANTrainer(strategy=tf.distribute.get_strategy(), make_generator=TinyG, make_discriminator=TinyD,
                 family=NeedsKplus1(), make_g_optimizer=lambda: optim.PreReducedAdam(1e-3),
                 make_d_optimizer=lambda: optim.PreReducedAdam(1e-3), num_classes=K,
                 image_shape=(D_IN,), global_batch_size=4)


class IsRealTest(tf.test.TestCase):

  def test_kplus1_real_when_the_real_classes_together_outweigh_fake(self):
    # Row 0: p = (0.3, 0.3, 0.4 fake): argmax says fake, but sum_k p_k = 0.6 > 0.4 (001 Eq. (3)).
    # Row 1: p = (0.1, 0.1, 0.8 fake): fake. Row 2: (0.7, 0.1, 0.2): real.
    p = np.array([[0.3, 0.3, 0.4], [0.1, 0.1, 0.8], [0.7, 0.1, 0.2]])
    out = DiscOutput(kplus1_logits=tf.constant(np.log(p) + 5.0, tf.float32))  # shift-invariant
    self.assertAllEqual(_is_real(out), [True, False, True])

  def test_adv_logit_sign_and_energy(self):
    self.assertAllEqual(_is_real(DiscOutput(adv_logits=tf.constant([-0.5, 0.5]))), [False, True])
    self.assertIsNone(_is_real(DiscOutput(energy=tf.constant([1.0]))))


if __name__ == "__main__":
  tf.test.main()
