"""Every `gin/experiments/*.gin` parses with shrinking overrides, builds its data, networks and loss family,
and documents itself; representative experiments run real train steps.

Shrinking keeps what a config error would break (the dataset and so the image shape and number of classes,
the architecture, the heads, the loss family and its hyperparameters) and shrinks only sizes: channel
multipliers, batch, steps. Data never comes from the network: TFDS sources are read through
`tfds.testing.mock_data`, MNIST from a tiny idx fixture written here (`build_source.path`), the ring is
generated.
"""

import glob
import json
import os

from absl.testing import parameterized
import gin
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from tests.data import helpers as data_helpers
from tfgan_mh import cli
from tfgan_mh import data as data_lib
from tfgan_mh import losses as losses_lib
from tfgan_mh import models as models_lib
from tfgan_mh.training import loop

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GIN_DIR = cli.GIN_DIR
EXPERIMENTS = sorted(glob.glob(os.path.join(GIN_DIR, "experiments", "*.gin")))
NAMES = [os.path.basename(p)[:-len(".gin")] for p in EXPERIMENTS]
HEADER_FIELDS = ("Paper:", "Reproduces:", "Hardware:", "Expected:", "Launch:")

# Source name -> (num_classes, image_shape) the experiment's networks must be built for. mnist is the idx
# fixture below (10 classes) at the configured resolution (28 native, 32 resized).
SHAPES = {
    "imagenet2012_128": (1000, (128, 128, 3)),
    "imagenet2012_64": (1000, (64, 64, 3)),
    "imagenet2012_subset_10pct": (1000, (128, 128, 3)),
    "cifar10": (10, (32, 32, 3)),
    "cifar100": (100, (32, 32, 3)),
    "celeb_a_5": (5, (64, 64, 3)),
    "ring": (10, (2,)),
}
# Training-set sizes behind the hand-computed `train.steps_per_epoch` of the energy (MAGAN / EBGAN) configs.
TRAIN_SIZES = {"mnist": 60_000, "cifar10": 50_000, "celeb_a_5": 162_770}

# Smaller networks and batches; the dataset, architecture, heads and loss stay those of the file.
SHRINK = ["build_generator.ch = 8", "build_discriminator.ch = 8", "train.global_batch_size = 4",
          "cadence.steps_per_loop = 1", "cadence.summary_every = 1", "cadence.log_every = 1",
          "cadence.image_every = 1000000", "cadence.save_every = 1", "pictures.images_per_class = 1"]


def _mnist_fixture(folder, n=20):
  """n random 28 x 28 digits, labels 0..9 cycling, for both the train and t10k files."""
  rng = np.random.default_rng(0)
  os.makedirs(folder, exist_ok=True)
  for prefix in ("train", "t10k"):
    data_helpers.write_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"), rng.integers(0, 256, (n, 28, 28)))
    data_helpers.write_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"), np.arange(n) % 10)
  return folder


def _query(binding, default=None):
  """The bound value of a gin parameter, or `default` when the configuration does not bind it."""
  try:
    return gin.query_parameter(binding)
  except ValueError:
    return default


def _header(path):
  """The leading comment block of a gin file, '#' stripped."""
  lines = []
  with open(path) as f:
    for line in f:
      if not line.startswith("#"):
        break
      lines.append(line[1:].strip())
  return lines


class GinExperimentsTest(parameterized.TestCase, tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.tmp = self.create_tempdir().full_path
    self.mnist_dir = _mnist_fixture(os.path.join(self.tmp, "mnist"))

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def _parse(self, name, *params):
    """Parses experiment `name` with the shrinking overrides, then `params`, then local data."""
    gin.clear_config()
    cli.parse_gin([os.path.join(GIN_DIR, "experiments", name + ".gin")], SHRINK + list(params))
    source_name = gin.query_parameter("build_source.name")
    if source_name in ("mnist", "fashion_mnist"):  # TFDS names; build_source.path reads an idx folder instead
      gin.bind_parameter("build_source.path", self.mnist_dir)
    elif source_name != "ring":
      gin.bind_parameter("build_source.data_dir", os.path.join(self.tmp, "tfds"))

  def test_experiments_exist(self):
    self.assertGreaterEqual(len(EXPERIMENTS), 30)

  @parameterized.named_parameters(*[(n, n) for n in NAMES])
  def test_builds_networks_and_family_for_the_real_data_shape(self, name):
    self._parse(name)
    with tfds.testing.mock_data(num_examples=8):
      source = data_lib.build_source()
      if source.name in SHAPES:
        self.assertEqual((source.num_classes, source.image_shape), SHAPES[source.name])
      else:  # the MNIST idx fixture
        resolution = _query("build_source.resolution") or 28
        self.assertEqual((source.num_classes, source.image_shape), (10, (resolution, resolution, 1)))
      k, shape = source.num_classes, tuple(source.image_shape)
      family = losses_lib.get_family(gin.query_parameter("train.loss_family"), num_classes=k)
      if "unlabeled" in family.data_streams:
        self.assertTrue(source.semi_supervised, "an SSL loss family needs a semi-supervised source")
        x_u = next(iter(source.unlabeled_input_fn(global_batch_size=2)))
        self.assertEqual(tuple(x_u.shape), (2,) + shape)

    g = models_lib.build_generator(image_shape=shape, num_classes=k,
                                   conditional=family.conditional_generator)
    d = models_lib.build_discriminator(image_shape=shape, num_classes=k)
    labels = tf.constant([0, k - 1], tf.int32)
    source_x = tf.random.uniform(g.source_shape(2), -1, 1, seed=1)  # latents, or images for G(x, c)
    fake = g(source_x, labels if family.conditional_generator else None, training=False)
    self.assertEqual(tuple(fake.shape), (2,) + shape)
    self.assertAllEqual(tf.math.is_finite(fake), tf.ones_like(fake, tf.bool))
    out = d(fake, labels if models_lib.reads_labels(d) else None, training=False)
    family.check_heads(out)  # raises if a head the loss reads is absent or has the wrong width
    for head in family.required_heads:
      self.assertEqual(getattr(out, head).shape[0], 2, head)
    # Both losses evaluate on this output (labels given where the family may read them).
    family.build_state()  # MAGAN's margin
    kwargs = {stream: d(fake, None, training=False) for stream in family.data_streams}
    d_terms = family.discriminator_loss(real=out, fake=out, real_labels=labels, fake_labels=labels, **kwargs)
    g_kwargs = {k: v for k, v in dict(source=source_x, reconstruction=fake, real=out).items()
                if k in family.generator_needs}
    g_terms = family.generator_loss(fake=out, fake_labels=labels, **g_kwargs)
    for term in list(d_terms.values()) + list(g_terms.values()):
      self.assertAllEqual(tf.math.is_finite(term), tf.ones_like(term, tf.bool))

  @parameterized.named_parameters(*[(n, n) for n in NAMES])
  def test_loop_lengths_align(self, name):
    """One host-loop length per run (one tf.function trace), epochs in whole loops for energy families."""
    gin.clear_config()
    cli.parse_gin([os.path.join(GIN_DIR, "experiments", name + ".gin")], [])
    q = gin.query_parameter
    loop_len = q("cadence.steps_per_loop")
    for every in ("cadence.summary_every", "cadence.log_every", "cadence.image_every", "cadence.save_every",
                  "train.num_steps"):
      self.assertEqual(q(every) % loop_len, 0, f"{every} vs steps_per_loop {loop_len}")
    family = q("train.loss_family")
    if family in ("magan", "ebgan"):
      epoch = q("train.steps_per_epoch")
      self.assertEqual(epoch, TRAIN_SIZES[q("build_source.name")] // q("train.global_batch_size"))
      self.assertEqual(epoch % loop_len, 0)
      self.assertEqual(q("train.num_steps") % epoch, 0)

  @parameterized.named_parameters(*[(n, n) for n in NAMES])
  def test_header_documents_paper_hardware_expected_figures_and_launch(self, name):
    header = _header(os.path.join(GIN_DIR, "experiments", name + ".gin"))
    text = "\n".join(header)
    for field in HEADER_FIELDS:
      self.assertTrue(any(line.startswith(field) for line in header), f"{name}: no '# {field}' line")
    self.assertRegex(text, r"Paper: (00[0-4] |[^\n]*\n?[^\n]*arXiv:\d{4}\.\d{4,5})",
                     "the paper is one of 000-004 (the package docstring) or named with its arXiv id")
    self.assertRegex(text, r"(Table|Fig\.|§|App\.)", "the header names what it reproduces")
    launch = text[text.index("Launch:"):]
    self.assertIn(f"gin/experiments/{name}.gin", launch, "the launch command runs this file")
    self.assertRegex(launch, r"(launch/tpu_train\.sh|launch/train\.sh|python -m tfgan_mh\.train)")

  @parameterized.named_parameters(*[(n, n) for n in NAMES])
  def test_cpu_experiments_train_in_float32(self, name):
    """Experiments for a CPU pin float32 ('auto' would pick bf16 on avx512_bf16 CPUs); none forces bf16."""
    header = "\n".join(_header(os.path.join(GIN_DIR, "experiments", name + ".gin")))
    self._parse(name)
    precision = gin.query_parameter("execution.precision")
    try:
      legacy = gin.query_parameter("execution.mixed_bfloat16")
    except ValueError:
      legacy = None
    self.assertNotEqual(legacy, True, f"{name} forces mixed bfloat16")
    self.assertNotEqual(precision, "mixed_bfloat16", f"{name} forces mixed bfloat16")
    if "Hardware: CPU" in header:
      self.assertEqual(precision, "float32", f"{name} is a CPU experiment")
    else:
      self.assertIn(precision, ("auto", "float32"))

  def test_gin_files_keep_the_line_length(self):
    for path in glob.glob(os.path.join(GIN_DIR, "**", "*.gin"), recursive=True):
      with open(path) as f:
        for i, line in enumerate(f, 1):
          self.assertLessEqual(len(line.rstrip("\n")), 110, f"{path}:{i}")

  # --- real train steps for representative experiments ------------------------------------------------

  def _train(self, name, model_dir, *params):
    self._parse(name, *params)
    with tfds.testing.mock_data(num_examples=8):
      return loop.train(model_dir)

  def _assert_finished(self, model_dir, steps, measurements):
    self.assertTrue(os.path.exists(os.path.join(model_dir, loop.TRAIN_DONE)))
    self.assertEqual(tf.train.latest_checkpoint(model_dir), os.path.join(model_dir, f"ckpt-{steps}"))
    self.assertNotEmpty(measurements)
    self.assertTrue(all(np.isfinite(v) for v in measurements.values()), measurements)

  def test_cpu_mnist_mhgan_trains(self):
    model_dir = os.path.join(self.tmp, "mnist_mhinge")
    m = self._train("mnist_mhinge_cpu", model_dir, "train.num_steps = 2")
    self._assert_finished(model_dir, 2, m)
    with open(os.path.join(model_dir, "run_info.json")) as f:
      info = json.load(f)
    self.assertEqual((info["loss_family"], info["image_shape"], info["num_classes"]),
                     ("mhinge", [32, 32, 1], 10))
    self.assertEqual(info["discriminator_heads"], ["projection", "classifier"])

  def test_biggan_studiogan_recipe_trains_on_mock_cifar10(self):
    model_dir = os.path.join(self.tmp, "biggan_cifar")
    # 1 D step per G step instead of the recipe's 5: the same graph pieces, a fifth of the tracing (CI time).
    m = self._train("cifar10_biggan_mhgan_studiogan", model_dir, "train.num_steps = 2", "ema.start = 1",
                    "train.d_steps = 1")
    self._assert_finished(model_dir, 2, m)
    self.assertIn("g/g_feature_matching", m)
    with open(os.path.join(model_dir, "run_info.json")) as f:
      info = json.load(f)
    self.assertEqual((info["loss_family"], info["discriminator_heads"], info["ema"]),
                     ("mhinge_kplus1_fm", ["kplus1"], True))

  def test_biggan_mnist_with_diffaugment_and_lecam_trains(self):
    model_dir = os.path.join(self.tmp, "biggan_mnist")
    m = self._train("mnist_biggan_mhinge_cpu", model_dir, "train.num_steps = 2",
                    "diffaugment.policy = 'color,translation,cutout'", "lecam.weight = 0.3")
    self._assert_finished(model_dir, 2, m)
    self.assertGreater(m["d/d_lecam_real"], 0.0)
    with open(os.path.join(model_dir, "run_info.json")) as f:
      info = json.load(f)
    self.assertEqual((info["image_shape"], info["diffaugment"], info["lecam_weight"], info["ema"]),
                     ([32, 32, 1], "color,translation,cutout", 0.3, True))

  def test_ring_mode_gan_trains(self):
    model_dir = os.path.join(self.tmp, "ring")
    m = self._train("ring_mode_gan", model_dir, "train.num_steps = 1", "build_source.num_examples = 64")
    self._assert_finished(model_dir, 1, m)

  def test_mnist_magan_pretrains_then_sets_the_margin(self):
    model_dir = os.path.join(self.tmp, "magan")
    # Epochs of 1 step: 2 D-only pre-training steps (m = 0), then one GAN step with m_1 = real energy.
    m = self._train("mnist_magan", model_dir, "train.num_steps = 3", "train.steps_per_epoch = 1")
    self._assert_finished(model_dir, 3, m)
    self.assertGreater(m["magan/margin"], 0.0)

  def test_mhsharedgan_switch_restores_a_sagan_run(self):
    # 64 x 64 CelebA-5 data instead of ImageNet-64 (same networks, 5 class embeddings instead of 1000):
    # the sample picture of 1000 classes alone would take 10 s here.
    data = "build_source.name = 'celeb_a_5'"
    sagan_dir = os.path.join(self.tmp, "sagan")
    m = self._train("imagenet64_sagan", sagan_dir, "train.num_steps = 1", data)
    self._assert_finished(sagan_dir, 1, m)
    switch_dir = os.path.join(self.tmp, "switch")
    # Restoring checks that every variable of the MHSharedGAN trainer (D with the shared classifier head,
    # optimizers) is in the SAGAN checkpoint; the restored step 1 is the end of this shrunk run (a real
    # switch continues for 5k / 15k steps: training itself is covered by the other runs).
    self._train("imagenet64_mhsharedgan_switch", switch_dir, "train.num_steps = 1", data,
                f"train.init_from = '{sagan_dir}'")
    with open(os.path.join(switch_dir, loop.TRAIN_DONE)) as f:
      self.assertEqual(f.read(), "1\n")

  @parameterized.parameters("imagenet128_mhsharedgan_switch", "imagenet64_mhsharedgan_switch")
  def test_switch_without_init_from_fails_clearly(self, name):
    with self.assertRaisesRegex(ValueError, r"init_from='REQUIRED.*points to no checkpoint"):
      self._train(name, os.path.join(self.tmp, "x"), "train.num_steps = 1")


if __name__ == "__main__":
  tf.test.main()
