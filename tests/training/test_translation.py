"""Image-to-image translation (003's setting): the family's terms by hand, the cycle gradient, G(x, c), the
translation step under the default and a mirrored strategy, the export read back without tfgan_mh, bad input,
and one tiny MNIST run through the train loop and the eval job."""

import json
import os
import shutil
import subprocess
import sys

import gin
import keras
import numpy as np
import tensorflow as tf

from tests import helpers
from tfgan_mh import cli
from tfgan_mh.run import export
from tfgan_mh import losses
from tfgan_mh.evaluation import job
from tfgan_mh.models import translation
from tfgan_mh.models.outputs import DiscOutput
from tfgan_mh.training import loop
from tfgan_mh.training import optim
from tfgan_mh.run import restore
from tfgan_mh.training.step import GANTrainer

K, SHAPE = 3, (8, 8, 1)
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MNIST = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "mnist"))


def _ce(logits, labels):
  logits = np.asarray(logits, np.float64)
  log_z = np.log(np.exp(logits).sum(1))
  return log_z - logits[np.arange(len(labels)), labels]


class FamilyTest(tf.test.TestCase):

  def test_terms_by_hand(self):
    fam = losses.get_family("translation", num_classes=K, aux_loss="ce", rec_weight=10.0)
    real = DiscOutput(adv_logits=tf.constant([0.5, -2.0]), class_logits=tf.constant([[1., 0., 0.], [0., 2., 1.]]))
    fake = DiscOutput(adv_logits=tf.constant([0.25, -1.5]), class_logits=tf.constant([[0., 1., 0.], [3., 0., 0.]]))
    d = fam.discriminator_loss(real=real, fake=fake, real_labels=tf.constant([0, 2]), fake_labels=tf.constant([1, 1]))
    self.assertAllClose(d["d_hinge_real"], [0.5, 3.0])  # max(0, 1 - D(x))
    self.assertAllClose(d["d_hinge_fake"], [1.25, 0.0])  # max(0, 1 + D(G(x, c)))
    self.assertAllClose(d["d_aux_real"], _ce([[1, 0, 0], [0, 2, 1]], [0, 2]))
    x = tf.constant(np.linspace(-1, 1, 2 * 8 * 8).reshape(2, 8, 8, 1), tf.float32)
    rec = tf.zeros_like(x) + 0.5
    g = fam.generator_loss(fake=fake, fake_labels=tf.constant([1, 1]), source=x, reconstruction=rec)
    self.assertAllClose(g["g_hinge"], [-0.25, 1.5])
    self.assertAllClose(g["g_aux"], _ce([[0, 1, 0], [3, 0, 0]], [1, 1]))
    expected = 10.0 * np.abs(x.numpy() - 0.5).reshape(2, -1).mean(1)  # lambda_rec ||x - G(G(x, c), c_x)||_1
    self.assertAllClose(g["g_cycle"], expected)
    self.assertEqual(sorted(g), ["g_aux", "g_cycle", "g_hinge"])

  def test_aam_term_by_hand(self):
    fam = losses.get_family("translation", num_classes=K, aux_loss="aam", aam_scale=4.0, aam_margin=0.3)
    cos = np.array([[0.6, -0.2, 0.1]])
    out = DiscOutput(adv_logits=tf.constant([0.0]), cosine_logits=tf.constant(cos, tf.float32))
    d = fam.discriminator_loss(real=out, fake=out, real_labels=tf.constant([0]), fake_labels=tf.constant([0]))
    target = 4.0 * np.cos(np.arccos(0.6) + 0.3)  # s cos(theta_y + m), 003 Eq. (8)
    expected = -target + np.log(np.exp(target) + np.exp(4.0 * -0.2) + np.exp(4.0 * 0.1))
    self.assertAllClose(d["d_aux_real"], [expected], atol=1e-5)
    self.assertEqual(fam.required_heads, ("adv_logits", "cosine_logits"))

  def test_cycle_gradient(self):
    fam = losses.get_family("translation", num_classes=K, aux_loss="ce", rec_weight=10.0)
    rng = np.random.default_rng(0)
    x = tf.constant(rng.uniform(-1, 1, (2, 2, 2, 1)), tf.float32)
    rec = tf.Variable(rng.uniform(-1, 1, (2, 2, 2, 1)).astype(np.float32))
    fake = DiscOutput(adv_logits=tf.zeros([2]), class_logits=tf.zeros([2, K]))
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum(fam.generator_loss(fake=fake, fake_labels=tf.constant([0, 1]), source=x,
                                              reconstruction=rec)["g_cycle"])
    # d/d rec of 10 * mean_i |x_i - rec_i| over the 4 elements of each image: -10 sign(x - rec) / 4.
    self.assertAllClose(tape.gradient(loss, rec), -10.0 * np.sign(x.numpy() - rec.numpy()) / 4.0)

  def test_bad_input(self):
    with self.assertRaisesRegex(ValueError, r"^loss family 'translation' needs at least 2 domains .* num_classes=1"):
      losses.get_family("translation", num_classes=1)
    fam = losses.get_family("translation", num_classes=K)
    with self.assertRaisesRegex(TypeError, "required keyword-only arguments: 'source' and 'reconstruction'"):
      fam.generator_loss(fake=DiscOutput(adv_logits=tf.zeros([1]), cosine_logits=tf.zeros([1, K])),
                         fake_labels=tf.constant([0]))


class TinyD(keras.Model):
  """phi = tanh(W flatten(x)); an unconditional adversarial logit and a linear domain classifier."""

  heads, num_classes = ("adversarial", "classifier"), K

  def __init__(self):
    super().__init__()
    self.phi = keras.layers.Dense(6, activation="tanh", kernel_initializer=keras.initializers.RandomNormal(seed=3))
    self.lin = keras.layers.Dense(1, kernel_initializer=keras.initializers.RandomNormal(seed=4))
    self.cls = keras.layers.Dense(K, kernel_initializer=keras.initializers.RandomNormal(seed=6))

  def call(self, x, labels=None, training=False):
    h = self.phi(tf.reshape(x, [tf.shape(x)[0], -1]))
    return DiscOutput(adv_logits=tf.squeeze(self.lin(h), -1), class_logits=self.cls(h), features=h)


def _tiny_g():
  keras.utils.set_random_seed(1)
  return translation.TranslationGenerator(image_shape=SHAPE, num_classes=K, ch=4, num_down=1, num_res=1,
                                          name="generator")


def _run(strategy, steps=2, batch=8):
  trainer = GANTrainer(
      strategy=strategy, make_generator=_tiny_g, make_discriminator=TinyD,
      family=losses.get_family("translation", num_classes=K, aux_loss="ce"),
      # A large epsilon: Adam would turn gradients of ~1e-8 (summed in another order on 2 replicas) into full steps.
      make_g_optimizer=lambda: optim.PreReducedAdam(1e-2, beta_1=0.0, epsilon=1e-2),
      make_d_optimizer=lambda: optim.PreReducedAdam(2e-2, beta_1=0.0, epsilon=1e-2),
      num_classes=K, image_shape=SHAPE, global_batch_size=batch)
  rng = np.random.default_rng(0)
  data = (rng.uniform(-1, 1, (batch, *SHAPE)).astype(np.float32), rng.integers(0, K, batch).astype(np.int32))
  it = iter(strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensors(data).repeat()))
  out = trainer.train_steps(it, steps)
  return trainer, {k: float(v) for k, v in out.items()}


class TranslationStepTest(tf.test.TestCase):

  def test_generator_translates_to_the_target_domain_input(self):
    g = _tiny_g()
    x = tf.random.stateless_uniform([2, *SHAPE], [0, 1], -1, 1)
    y = g(x, tf.constant([0, 2]))
    self.assertEqual(y.shape, (2, *SHAPE))
    self.assertAllInRange(y, -1.0, 1.0)
    # A one-hot class-weight row is the same as the integer domain; another domain changes the output.
    self.assertAllClose(g(x, tf.one_hot([0, 2], K)), y, atol=1e-6)
    self.assertNotAllClose(g(x, tf.constant([1, 1])), y)
    with self.assertRaisesRegex(ValueError, "translates to a target domain"):
      g(x)

  def test_default_equals_mirrored(self):
    single, m1 = _run(tf.distribute.get_strategy())
    mirrored, m2 = _run(helpers.mirrored_strategy(self))
    for a, b in zip(single.generator.trainable_variables + single.discriminator.trainable_variables,
                    mirrored.generator.trainable_variables + mirrored.discriminator.trainable_variables):
      self.assertAllClose(a.numpy(), b.numpy(), atol=1e-5, msg=a.path)
    self.assertIn("g/g_cycle", m1)
    for k in m1:
      self.assertAllClose(m1[k], m2[k], atol=1e-4, msg=k)
    self.assertGreater(m1["g/g_cycle"], 0.0)

  def test_family_and_generator_must_agree(self):
    with self.assertRaisesRegex(ValueError, r"^loss family 'acgan' trains a generator of latents G\(z, y\) but "
                                            r"build_generator.arch builds an image-to-image generator G\(x, c\): "):
      GANTrainer(strategy=tf.distribute.get_strategy(), make_generator=_tiny_g, make_discriminator=TinyD,
                 family=losses.get_family("acgan", num_classes=K), make_g_optimizer=lambda: optim.PreReducedAdam(1e-3),
                 make_d_optimizer=lambda: optim.PreReducedAdam(1e-3), num_classes=K, image_shape=SHAPE,
                 global_batch_size=4)

  def test_export_read_back_without_tfgan_mh(self):
    g = _tiny_g()
    images = np.random.default_rng(0).integers(0, 256, (3, *SHAPE)).astype(np.uint8)
    labels = np.array([0, 2, 1], np.int32)
    expected = np.clip(np.round((g(tf.constant(images, tf.float32) / 127.5 - 1.0, labels).numpy() + 1) * 127.5),
                       0, 255).astype(np.uint8)
    path = export.export_generator(g, os.path.join(self.create_tempdir().full_path, "g"))
    np.savez(os.path.join(path, "..", "inputs.npz"), images=images, labels=labels)
    script = (
        "import sys, numpy as np, tensorflow as tf\n"
        f"g = tf.saved_model.load({path!r}); d = np.load({os.path.join(path, '..', 'inputs.npz')!r})\n"
        "out = g.signatures['serving_default'](images=tf.constant(d['images']), labels=tf.constant(d['labels']))\n"
        f"np.save({os.path.join(path, '..', 'out.npy')!r}, out['images'].numpy())\n"
        "print(g.kind.numpy().decode(), int(g.z_dim), 'tfgan_mh' in sys.modules, sorted(g.signatures))\n"
        "try:\n"
        "  g.signatures['serving_default'](images=tf.constant(d['images']), labels=tf.constant([0, 5, 1]))\n"
        "except tf.errors.InvalidArgumentError as e:\n"
        "  print('bad domain:', 'labels must be < num_classes=3' in str(e))\n"
        "try:\n"  # another image size: the expected shape is named, not a reshape inside G
        "  g.signatures['serving_default'](images=tf.constant(d['images'][:, 1:, 1:]),\n"
        "                                  labels=tf.constant(d['labels']))\n"
        "except tf.errors.InvalidArgumentError as e:\n"
        f"  print('bad size:', 'images must have shape [N, {', '.join(map(str, SHAPE))}]' in str(e))\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          check=False, env=dict(os.environ, PYTHONPATH=""), cwd=self.create_tempdir().full_path)
    self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
    self.assertEqual(proc.stdout.split("\n")[:3], ["translation 0 False ['serving_default']", "bad domain: True",
                                                  "bad size: True"])
    self.assertAllEqual(np.load(os.path.join(path, "..", "out.npy")), expected)


class TranslationRunTest(tf.test.TestCase):
  """A 4-step MNIST translation run through `python -m tfgan_mh.train`'s loop and the eval job."""

  def test_train_and_evaluate(self):
    if not os.path.isdir(MNIST):
      self.skipTest(f"MNIST idx files not found at {MNIST} (../shared/data/mnist)")
    d = os.path.join(self.create_tempdir().full_path, "run")
    gin.clear_config()
    cli.parse_gin([os.path.join(REPO, "gin/experiments/mnist_translation_aam.gin")], [
        f"build_source.path = '{MNIST}'", "train.num_steps = 4", "cadence.steps_per_loop = 2", "cadence.save_every = 4",
        "cadence.image_every = 4", "cadence.log_every = 2", "cadence.summary_every = 2", "build_generator.ch = 4",
        "build_generator.num_res = 1", "build_discriminator.ch = 4", "train.global_batch_size = 8"])
    loop.train(d)
    gin.clear_config()
    with open(os.path.join(d, restore.RUN_INFO)) as f:
      self.assertTrue(json.load(f)["generator_takes_images"])
    self.assertTrue(os.path.exists(os.path.join(d, "samples", "step_00000004.png")))
    from tfgan_mh.evaluation import classifier  # pylint: disable=g-import-not-at-top
    classifier_dir = os.path.join(self.create_tempdir().full_path, "classifier")
    keras.utils.set_random_seed(0)
    classifier.export(classifier.build_classifier((32, 32, 1), 10), classifier_dir)
    cfg = job.EvalConfig(num_samples=60, batch_size=25, metrics="gan_test", best_metric="gan_test",
                         classifier=f"classifier:{classifier_dir}")
    self.assertEqual(job.watch(d, cfg, poll_secs=1), "done")
    gin.clear_config()
    with open(os.path.join(d, "eval", "metrics.jsonl")) as f:
      record = json.loads(f.readline())
    self.assertEqual(record["protocol"]["translation"]["sources"], "validation")  # mnist_idx: the t10k files
    self.assertBetween(record["gan_test"], 0.0, 1.0)
    # The cycle error, recomputed: the first 60 t10k images to the eval's balanced targets and back.
    run = restore.load_run(d)
    from tfgan_mh import data  # pylint: disable=g-import-not-at-top
    ds = data.build_source().input_fn(global_batch_size=60, split="validation", training=False)
    x, y = (t.numpy() for t in next(iter(ds)))
    from tfgan_mh.cli import sample  # pylint: disable=g-import-not-at-top
    fig = sample.figure(run, labels=[0, 3], num=2)  # rows: 2 real images | to 0 | to 3
    (ax,) = fig.axes
    self.assertEqual(np.asarray(ax.images[0].get_array()).shape, (2 * 33 + 1, 3 * 33 + 1))
    self.assertEqual([t.get_text() for t in ax.get_xticklabels()], ["source", "to 0", "to 3"])  # MNIST's names
    self.assertEqual(ax.get_title(), f"translations (checkpoint step {run.step})")
    with self.assertRaisesRegex(ValueError, r"^--labels: class 12 is out of range; the run has num_classes=10"):
      sample.figure(run, labels=[12])  # a bad domain id
    gin.clear_config()
    targets = np.random.default_rng(1).permutation(np.arange(60) % 10).astype(np.int32)
    g = run.sampler()
    back = g(g(tf.constant(x), tf.constant(targets)), tf.constant(y)).numpy()
    self.assertAllClose(record["translation_cycle_l1"], np.abs(x - back).mean(), rtol=1e-4)
    shutil.rmtree(d)


class GeneratorVariablesTest(tf.test.TestCase):

  def test_every_layer_is_tracked(self):
    g = _tiny_g()
    g(tf.zeros([1, *SHAPE]), tf.constant([0]))
    # stem + norm, 1 down conv + norm, 1 residual block (2 convs + 2 norms), 1 up conv + norm, head (kernel, bias).
    self.assertLen(g.trainable_variables, 1 + 2 + 1 + 2 + 2 + 4 + 1 + 2 + 2)
    names = {v.path.split("/")[1] for v in g.trainable_variables}
    self.assertEqual(names, {"stem", "stem_norm", "down0", "down0_norm", "res0", "up0", "up0_norm", "to_image"})
    # Every weight is in a checkpoint (layers in Python lists are not, unless also attributes).
    prefix = tf.train.Checkpoint(generator=g).save(os.path.join(self.create_tempdir().full_path, "ckpt"))
    saved = [n for n, _ in tf.train.list_variables(prefix) if n.startswith("generator/")]
    self.assertLen(saved, len(g.variables))
