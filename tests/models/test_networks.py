"""Generators and discriminators: shapes at every resolution, heads against hand computations, errors,
mixed bfloat16, and a forward + backward pass under MirroredStrategy."""

import gin
import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from tests import helpers
from tfgan_mh import models
from tfgan_mh.models import magan
from tfgan_mh.training import optim

K = 4
# (generator arch, discriminator arch, image_shape, small-width kwargs of G, of D)
NETWORKS = [
    ("sagan", "sagan", (32, 32, 3), dict(ch=2), dict(ch=2)),
    ("sagan", "sagan", (64, 64, 3), dict(ch=1), dict(ch=1)),
    ("sagan", "sagan", (128, 128, 1), dict(ch=1), dict(ch=1)),
    ("biggan", "biggan", (32, 32, 3), dict(ch=2), dict(ch=2)),
    ("biggan", "biggan", (64, 64, 3), dict(ch=1, attention_resolution=None), dict(ch=1)),
    ("biggan", "biggan", (128, 128, 1), dict(ch=1), dict(ch=1, attention_resolution=None)),
    ("dcgan", "dcgan", (32, 32, 3), dict(ch=4), dict(ch=4)),
    ("magan", "magan_ae", (28, 28, 1), {}, {}),
    ("magan", "magan_ae", (32, 32, 3), {}, {}),
    ("magan", "magan_ae", (64, 64, 3), {}, {}),
    ("mlp", "mlp", (2,), dict(hidden=(8,)), dict(hidden=(8,))),
]


def _tiny_d(heads, arch="mlp", **kwargs):
  kwargs.setdefault("hidden", (6, 5))
  d = models.build_discriminator(arch, image_shape=(3,), num_classes=K, heads=heads, **kwargs)
  x = tf.random.normal([5, 3], seed=7)
  return d, x


class MixedPolicyMixin:

  def tearDown(self):
    keras.mixed_precision.set_global_policy("float32")
    super().tearDown()


class ShapesTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.parameters(*NETWORKS)
  def test_shapes_ranges_and_checkpoint_completeness(self, g_arch, d_arch, shape, g_kw, d_kw):
    keras.utils.set_random_seed(0)
    conditional = g_arch != "magan"
    g = models.build_generator(g_arch, image_shape=shape, num_classes=K, conditional=conditional,
                               **g_kw)
    self.assertEqual((g.num_classes, g.conditional), (K, conditional))
    b = 2
    z = tf.random.normal([b, g.z_dim], seed=1)
    y = tf.constant([0, K - 1]) if conditional else None
    for training in (True, False):
      x = g(z, y, training=training)
      self.assertEqual(x.shape, (b,) + shape)
      self.assertEqual(x.dtype, tf.float32)
      if g_arch != "mlp":  # tanh images; the ring MLP outputs raw coordinates
        self.assertAllInRange(x, -1.0, 1.0)
    d = models.build_discriminator(d_arch, image_shape=shape, num_classes=K, **d_kw)
    out = d(x, y if conditional else tf.constant([0, 1]), training=True)
    self.assertIsInstance(out, models.DiscOutput)
    self.assertEqual(out.features.shape[0], b)
    self.assertEqual(out.features.dtype, tf.float32)
    if d_arch == "magan_ae":
      self.assertEqual(d.heads, ("energy",))
      self.assertEqual(out.present_heads(), ("energy",))
      self.assertEqual(out.energy.shape, (b,))
    else:
      self.assertEqual(d.heads, ("projection", "classifier"))
      self.assertEqual(out.adv_logits.shape, (b,))
      self.assertEqual(out.class_logits.shape, (b, K))
    # Every variable (incl. u and BN statistics) is in a checkpoint: Keras 3 lists of layers are not.
    path = tf.train.Checkpoint(g=g, d=d).save(self.get_temp_dir() + f"/{g_arch}_{shape[0]}")
    saved = [n for n, _ in tf.train.list_variables(path)
             if n.endswith("VARIABLE_VALUE") and not n.startswith("save_counter")]
    self.assertLen(saved, len(g.variables) + len(d.variables))

  def test_paper_defaults(self):
    self.assertEqual(models.build_generator("sagan", image_shape=(32, 32, 3), num_classes=K,
                                            ch=1).z_dim, 128)  # 000 §3
    self.assertEqual(models.build_generator("dcgan", image_shape=(32, 32, 3), num_classes=K,
                                            ch=1).z_dim, 100)  # 001 App. F
    for r, nz in ((28, 50), (32, 320), (64, 350)):  # 004 App. B
      g = models.build_generator("magan", image_shape=(r, r, 1), num_classes=K, conditional=False)
      self.assertEqual(g.z_dim, nz)

  def test_attention_resolution_configurable(self):
    g = models.build_generator("sagan", image_shape=(64, 64, 3), num_classes=K, ch=1,
                               attention_resolution=16)
    g(tf.zeros([1, 128]), tf.constant([0]))
    self.assertEqual(g.attention_after, 1)  # blocks output 8, 16, 32, 64 px: index 1 is 16 px
    none = models.build_generator("sagan", image_shape=(32, 32, 3), num_classes=K, ch=1,
                                  attention_resolution=None)
    none(tf.zeros([1, 128]), tf.constant([0]))
    self.assertFalse([v for v in none.variables if "attention" in v.path])
    with self.assertRaisesRegex(ValueError, r"attention_resolution=12 .*valid: \[8, 16, 32\]"):
      models.build_generator("sagan", image_shape=(32, 32, 3), num_classes=K, ch=1,
                             attention_resolution=12)

  def test_unconditional_sagan_has_no_class_tables(self):
    g = models.build_generator("sagan", image_shape=(32, 32, 3), num_classes=K, ch=1,
                               conditional=False)
    g(tf.zeros([2, 128]), None, training=True)
    self.assertFalse([v for v in g.variables if "table" in v.path])

  def test_built_from_gin(self):
    with gin.unlock_config():
      gin.parse_config(["build_generator.arch = 'dcgan'", "build_generator.ch = 2",
                        "build_discriminator.arch = 'dcgan'", "build_discriminator.ch = 2",
                        "build_discriminator.heads = ('kplus1',)"])
    try:
      g = models.build_generator(image_shape=(32, 32, 3), num_classes=K)
      d = models.build_discriminator(image_shape=(32, 32, 3), num_classes=K)
      out = d(g(tf.zeros([2, 100]), tf.constant([0, 1])))
      self.assertEqual(out.kplus1_logits.shape, (2, K + 1))
      self.assertEqual(out.present_heads(), ("kplus1_logits",))
    finally:
      gin.clear_config()


  def test_checkpoint_restores_inference_outputs(self):
    """u and the BN moving statistics are checkpointed: a restored copy samples and scores alike."""

    def make():
      g = models.build_generator("sagan", image_shape=(32, 32, 3), num_classes=K, ch=1, z_dim=8)
      d = models.build_discriminator("sagan", image_shape=(32, 32, 3), num_classes=K, ch=1)
      return g, d

    keras.utils.set_random_seed(0)
    g, d = make()
    z, y = tf.random.normal([3, 8], seed=3), tf.constant([0, 1, 3])
    for _ in range(3):  # move u and the moving statistics away from their initial values
      d(g(z, y, training=True), y, training=True)
    x = g(z, y, training=False)
    adv = d(x, y, training=False).adv_logits
    path = tf.train.Checkpoint(g=g, d=d).save(self.get_temp_dir() + "/ckpt")
    keras.utils.set_random_seed(1)
    g2, d2 = make()
    d2(g2(z, y), y)
    tf.train.Checkpoint(g=g2, d=d2).restore(path).assert_consumed()
    self.assertAllClose(g2(z, y, training=False), x, atol=1e-6)
    self.assertAllClose(d2(x, y, training=False).adv_logits, adv, atol=1e-5)


class HeadsTest(tf.test.TestCase):

  def test_projection_is_linear_plus_inner_product(self):
    keras.utils.set_random_seed(0)
    d, x = _tiny_d(("projection",))
    y = tf.constant([0, 1, 2, 3, 1])
    out = d(x, y, training=False)
    phi = out.features.numpy()
    psi_w = d.head.psi.normalized_kernel().numpy()  # [F, 1]
    e = d.head.embed.table().numpy()  # [K, F]
    d.head.psi.bias.assign([0.3])
    out = d(x, y, training=False)
    expected = phi @ psi_w[:, 0] + 0.3 + np.sum(e[y.numpy()] * phi, axis=1)
    self.assertAllClose(out.adv_logits, expected, atol=1e-5)
    self.assertIsNone(out.class_logits)

  def test_shared_classifier_is_projection_at_every_class(self):
    keras.utils.set_random_seed(1)
    d, x = _tiny_d(("projection", "shared_classifier"))
    out = d(x, tf.zeros([5], tf.int32), training=False)
    n_params = d.count_params()
    for k in range(K):
      at_k = d(x, tf.fill([5], k), training=False).adv_logits
      self.assertAllClose(out.class_logits[:, k], at_k, atol=1e-5)
    plain, _ = _tiny_d(("projection",))
    plain(x, tf.zeros([5], tf.int32))
    self.assertEqual(n_params, plain.count_params())  # no new parameters (000 Fig. 2b)

  def test_classifier_kplus1_cosine_adversarial(self):
    keras.utils.set_random_seed(2)
    d, x = _tiny_d(("adversarial", "classifier", "kplus1", "cosine"))
    out = d(x, None, training=False)
    phi = out.features.numpy()
    self.assertEqual(out.present_heads(),
                     ("adv_logits", "class_logits", "kplus1_logits", "cosine_logits"))
    self.assertAllClose(out.adv_logits, phi @ d.head.psi.normalized_kernel().numpy()[:, 0],
                        atol=1e-5)
    self.assertAllClose(out.class_logits, phi @ d.head.classifier.normalized_kernel().numpy(),
                        atol=1e-5)
    self.assertEqual(out.kplus1_logits.shape, (5, K + 1))
    w = d.head.cosine.numpy()
    cos = (phi / np.linalg.norm(phi, axis=1, keepdims=True)) @ (w / np.linalg.norm(w, axis=0))
    self.assertAllClose(out.cosine_logits, cos, atol=1e-5)
    self.assertAllInRange(out.cosine_logits, -1.0, 1.0)

  def test_cosine_head_embedding_by_gin(self):
    keras.utils.set_random_seed(2)
    with gin.unlock_config():
      gin.bind_parameter("cosine_head.embed_dim", 4)
    try:
      d, x = _tiny_d(("adversarial", "cosine"))
      with self.assertRaisesRegex(ValueError, r"^cosine_head.embed_dim=4 needs the 'cosine' head; heads are "):
        _tiny_d(("adversarial",))
      gin.bind_parameter("cosine_head.embed_dim", 0)
      with self.assertRaisesRegex(ValueError, r"^cosine_head.embed_dim=0: expected None or an integer >= 1"):
        _tiny_d(("adversarial", "cosine"))
    finally:
      gin.clear_config()
    out = d(x, None, training=False)
    phi = out.features.numpy()
    emb = phi @ d.head.cosine_embed.normalized_kernel().numpy() + d.head.cosine_embed.bias.numpy()  # SN, bias
    self.assertAllClose(out.embedding, emb, atol=1e-5)
    w = d.head.cosine.numpy()
    self.assertEqual(w.shape, (4, K))
    cos = (emb / np.linalg.norm(emb, axis=1, keepdims=True)) @ (w / np.linalg.norm(w, axis=0))
    self.assertAllClose(out.cosine_logits, cos, atol=1e-5)
    self.assertEqual(out.present_heads(), ("adv_logits", "cosine_logits"))

  def test_projection_without_labels_uses_classifier_argmax(self):
    keras.utils.set_random_seed(3)
    d, x = _tiny_d(("projection", "classifier"))
    out = d(x, None, training=False)
    pseudo = tf.argmax(out.class_logits, axis=1, output_type=tf.int32)
    self.assertAllClose(out.adv_logits, d(x, pseudo, training=False).adv_logits, atol=1e-6)
    kplus1, x = _tiny_d(("projection", "kplus1"))  # the dynamic label: argmax of the K real columns
    out = kplus1(x, None, training=False)
    pseudo = tf.argmax(out.kplus1_logits[:, :K], axis=1, output_type=tf.int32)
    self.assertAllClose(out.adv_logits, kplus1(x, pseudo, training=False).adv_logits, atol=1e-6)
    no_cls, x = _tiny_d(("projection",))
    with self.assertRaisesRegex(ValueError, "without labels.*no classifier"):
      no_cls(x, None)

  def test_energy_is_the_authors_squared_error_on_unit_pixels(self):
    # RuohanW/magan nn_utils.batch_l2_loss: sum over pixels of (recon - x)^2 on [0, 1] pixels, sigmoid output.
    keras.utils.set_random_seed(4)
    d = models.build_discriminator("magan_ae", image_shape=(28, 28, 1), num_classes=K)
    x = tf.random.uniform([3, 28, 28, 1], -1, 1, seed=5)
    out = d(x)
    recon, code = d.reconstruct(x)
    recon = recon.numpy()
    self.assertTrue(np.all((recon > 0.0) & (recon < 1.0)), "sigmoid reconstruction of [0, 1] pixels")
    unit = (x.numpy() + 1.0) / 2.0
    self.assertAllClose(out.energy, np.sum((recon - unit).reshape(3, -1) ** 2, axis=1), rtol=1e-5)
    self.assertAllClose(out.features, code)
    self.assertEqual(out.features.shape, (3, 256))

  def test_energy_l2_norm_on_tanh_pixels_is_the_earlier_definition(self):
    keras.utils.set_random_seed(4)
    d = magan.MAGANAutoEncoderDiscriminator(image_shape=(28, 28, 1), num_classes=K, pixels="tanh",
                                            energy="l2_norm")
    x = tf.random.uniform([3, 28, 28, 1], -1, 1, seed=5)
    recon, _ = d.reconstruct(x)
    self.assertAllClose(d(x).energy, np.linalg.norm((recon - x).numpy().reshape(3, -1), axis=1), rtol=1e-5)
    with self.assertRaisesRegex(ValueError, r"energy='l1': expected one of squared_sum, l2_norm"):
      magan.MAGANAutoEncoderDiscriminator(image_shape=(28, 28, 1), num_classes=K, energy="l1")

  def test_magan_generator_sigmoid_output_mapped_to_the_project_range(self):
    keras.utils.set_random_seed(4)
    z = tf.random.normal([4, 50], seed=1)
    unit = magan.MAGANGenerator(image_shape=(28, 28, 1), num_classes=K)
    x = unit(z, None).numpy()
    self.assertTrue(np.all((x > -1.0) & (x < 1.0)))
    # 2 sigmoid(h) - 1 = tanh(h / 2): the same weights with pixels="tanh" give tanh(h).
    h = np.arctanh(x) * 2.0
    tanh = magan.MAGANGenerator(image_shape=(28, 28, 1), num_classes=K, pixels="tanh")
    tanh(z, None)
    tanh.set_weights(unit.get_weights())
    self.assertAllClose(tanh(z, None).numpy(), np.tanh(h), atol=1e-4)
    with self.assertRaisesRegex(ValueError, r"pixels='rgb': expected one of unit, tanh"):
      magan.MAGANGenerator(image_shape=(28, 28, 1), num_classes=K, pixels="rgb")


class ErrorsTest(tf.test.TestCase):

  def test_adc_head_splits_one_2k_layer_into_its_real_and_generated_halves(self):
    d = models.build_discriminator("dcgan", heads=("adversarial", "adc"), image_shape=(32, 32, 3), num_classes=K,
                                   ch=1)
    out = d(tf.random.stateless_normal([2, 32, 32, 3], seed=[1, 2]), None, training=False)
    self.assertEqual(out.present_heads(), ("adv_logits", "class_logits", "fake_class_logits"))
    layer = d.head.adc  # StudioGAN's 2K outputs: column 2k is "real, class k", 2k + 1 "generated, class k"
    logits = layer(out.features, training=False).numpy()
    self.assertEqual(logits.shape, (2, 2 * K))
    self.assertAllClose(out.class_logits, logits[:, 0::2])
    self.assertAllClose(out.fake_class_logits, logits[:, 1::2])
    self.assertFalse([v for v in layer.variables if "bias" in v.path])

  def test_head_errors(self):
    shape = dict(image_shape=(32, 32, 3), num_classes=K, ch=1)
    with self.assertRaisesRegex(ValueError, r"head 'energy' is not valid .*'sagan'.*projection"):
      models.build_discriminator("sagan", heads=("projection", "energy"), **shape)
    with self.assertRaisesRegex(ValueError, r"head 'nope' is not valid"):
      models.build_discriminator("dcgan", heads=("nope",), **shape)
    with self.assertRaisesRegex(ValueError, r"head 'projection' is not valid .*'magan_ae'.*energy"):
      models.build_discriminator("magan_ae", image_shape=(32, 32, 3), num_classes=K,
                                 heads=("projection",))
    with self.assertRaisesRegex(ValueError, "both give adv_logits"):
      models.build_discriminator("sagan", heads=("projection", "adversarial"), **shape)
    with self.assertRaisesRegex(ValueError, "both give class_logits"):
      models.build_discriminator("sagan", heads=("projection", "classifier", "shared_classifier"),
                                 **shape)
    with self.assertRaisesRegex(ValueError, "heads 'classifier' and 'adc' both give class_logits"):
      models.build_discriminator("dcgan", heads=("adversarial", "classifier", "adc"), **shape)
    with self.assertRaisesRegex(ValueError, "add 'projection'"):
      models.build_discriminator("sagan", heads=("shared_classifier",), **shape)
    with self.assertRaisesRegex(ValueError, "at least one head"):
      models.build_discriminator("sagan", heads=(), **shape)

  def test_resolution_and_arch_errors(self):
    with self.assertRaisesRegex(ValueError, r"'sagan' does not support image_shape \(48, 48, 3\); "
                                r"supported: \(32, 32, C\), \(64, 64, C\), \(128, 128, C\)"):
      models.build_generator("sagan", image_shape=(48, 48, 3), num_classes=K)
    with self.assertRaisesRegex(ValueError, r"'dcgan' does not support .*supported: \(32, 32, C\)"):
      models.build_discriminator("dcgan", image_shape=(64, 64, 3), num_classes=K)
    with self.assertRaisesRegex(ValueError, r"'magan_ae' does not support .*\(28, 28, C\)"):
      models.build_discriminator("magan_ae", image_shape=(128, 128, 3), num_classes=K)
    with self.assertRaisesRegex(ValueError, r"'mlp' takes flat points"):
      models.build_generator("mlp", image_shape=(4, 4, 1), num_classes=K)
    with self.assertRaisesRegex(ValueError, "unknown generator arch 'stylegan'; valid: sagan, biggan"):
      models.build_generator("stylegan", image_shape=(32, 32, 3), num_classes=K)
    with self.assertRaisesRegex(ValueError, "unknown discriminator arch 'magan'; valid:.*magan_ae"):
      models.build_discriminator("magan", image_shape=(32, 32, 3), num_classes=K)

  def test_mlp_label_every_layer_matches_a_numpy_forward(self):
    keras.utils.set_random_seed(0)
    g = models.build_generator("mlp", image_shape=(2,), num_classes=3, hidden=(4, 5), label_every_layer=True)
    z = tf.random.normal([6, g.z_dim], seed=2)
    y = tf.constant([0, 1, 2, 2, 1, 0])
    out = g(z, y, training=False).numpy()
    onehot = np.eye(3, dtype=np.float32)[y.numpy()]
    h = z.numpy()
    for layer in g.hidden:
      h = np.maximum(np.concatenate([h, onehot], 1) @ layer.kernel.numpy() + layer.bias.numpy(), 0)
    expected = np.concatenate([h, onehot], 1) @ g.out.kernel.numpy() + g.out.bias.numpy()
    self.assertAllClose(out, expected, atol=1e-5)
    with self.assertRaisesRegex(ValueError, r"label_every_layer=True applies to arch 'mlp' only; arch 'dcgan'"):
      models.build_generator("dcgan", image_shape=(32, 32, 1), num_classes=3, label_every_layer=True)

  def test_mlp_d_reads_images_flattened_with_the_label_joined(self):
    keras.utils.set_random_seed(0)
    d = models.build_discriminator("mlp", image_shape=(4, 4, 2), num_classes=3, hidden=(5, 6),
                                   heads=("adversarial",), spectral_norm=False, label_input=True)
    x = tf.random.normal([3, 4, 4, 2], seed=4)
    y = tf.constant([2, 0, 1])
    out = d(x, y, training=False).adv_logits.numpy()
    self.assertEqual(d.hidden[0].kernel.shape, (4 * 4 * 2 + 3, 5))  # K label inputs, not K constant channels
    h = np.concatenate([x.numpy().reshape(3, -1), np.eye(3, dtype=np.float32)[y.numpy()]], 1)
    for layer in d.hidden:
      z = h @ layer.kernel.numpy() + layer.bias.numpy()
      h = np.where(z > 0, z, 0.2 * z)
    adv = d.head.psi  # the adversarial head: one dense unit on phi
    expected = (h @ adv.kernel.numpy() + adv.bias.numpy()).reshape(out.shape)
    self.assertAllClose(out, expected, atol=1e-5)
    with self.assertRaisesRegex(ValueError, r"^discriminator arch 'mlp' takes flat points \(D,\) or images "
                                            r"\(H, W, C\); got \(4, 4\)"):
      models.build_discriminator("mlp", image_shape=(4, 4), num_classes=3)

  def test_label_input_d_reads_one_hot_channels_at_every_pixel(self):
    keras.utils.set_random_seed(0)
    d = models.build_discriminator("dcgan", image_shape=(32, 32, 1), num_classes=3, ch=1, heads=("adversarial",),
                                   spectral_norm=False, label_input=True, input_noise=0.0, dropout=0.0)
    self.assertTrue(d.uses_labels)
    x = tf.random.normal([2, 32, 32, 1], seed=3)
    y = tf.constant([2, 0])
    out = d(x, y, training=False)
    kernel, bias = d.convs[0].kernel.numpy(), d.convs[0].bias.numpy()  # [3, 3, 1 + K, ch]
    self.assertEqual(kernel.shape, (3, 3, 4, 1))
    # The first conv of [x, one_hot(y)] at an interior pixel, by hand.
    inp = np.concatenate([x.numpy(), np.broadcast_to(np.eye(3, dtype=np.float32)[y.numpy()][:, None, None],
                                                     (2, 32, 32, 3))], -1)
    expected = np.einsum("bijc,ijco->bo", inp[:, 9:12, 4:7], kernel) + bias
    h = tf.nn.convolution(tf.constant(inp), kernel, padding="SAME") + bias
    self.assertAllClose(h[:, 10, 5], expected, atol=1e-5)
    # The label changes D's output (it reads it), and a D without labels says what it needs.
    self.assertNotAllClose(out.adv_logits, d(x, tf.constant([0, 2]), training=False).adv_logits)
    with self.assertRaisesRegex(ValueError, r"reads the label at its input \(label_input=True\): call it with "
                                            r"labels \[B\] in \[0, 3\)"):
      d(x, None)
    with self.assertRaisesRegex(ValueError, "^build_discriminator.label_input=True: the magan_ae discriminator"):
      models.build_discriminator("magan_ae", image_shape=(32, 32, 1), num_classes=3, label_input=True)
    self.assertFalse(models.build_discriminator("dcgan", image_shape=(32, 32, 1), num_classes=3, ch=1,
                                                heads=("adversarial",)).uses_labels)

  def test_label_errors(self):
    cond = models.build_generator("mlp", image_shape=(2,), num_classes=K, hidden=(4,))
    uncond = models.build_generator("mlp", image_shape=(2,), num_classes=K, conditional=False,
                                    hidden=(4,))
    z = tf.zeros([2, cond.z_dim])
    with self.assertRaisesRegex(ValueError, "conditional generator: call it with labels"):
      cond(z)
    with self.assertRaisesRegex(ValueError, "unconditional generator .*labels=None"):
      uncond(z, tf.constant([0, 1]))
    with self.assertRaisesRegex(ValueError, "z has 3 dims, expected z_dim=16"):
      uncond(tf.zeros([2, 3]))


class MixedBfloat16Test(MixedPolicyMixin, parameterized.TestCase, tf.test.TestCase):

  @parameterized.parameters(NETWORKS[0], NETWORKS[3], NETWORKS[6], NETWORKS[7], NETWORKS[10])
  def test_float32_variables_outputs_and_untouched_master_weights(self, g_arch, d_arch, shape, g_kw,
                                                                  d_kw):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    keras.utils.set_random_seed(0)
    conditional = g_arch != "magan"
    g = models.build_generator(g_arch, image_shape=shape, num_classes=K, conditional=conditional,
                               **g_kw)
    heads = None if d_arch == "magan_ae" else ("projection", "shared_classifier", "kplus1", "cosine")
    d = models.build_discriminator(d_arch, image_shape=shape, num_classes=K, heads=heads, **d_kw)
    z = tf.random.normal([2, g.z_dim], seed=1)
    y = tf.constant([0, 1]) if conditional else None
    x = g(z, y, training=False)
    d(x, tf.constant([0, 1]), training=False)
    trainable = g.trainable_variables + d.trainable_variables
    before = [v.numpy().copy() for v in trainable]
    with tf.GradientTape() as tape:
      x = g(z, y, training=True)
      out = d(x, tf.constant([0, 1]), training=True)
      loss = tf.add_n([tf.reduce_sum(t) for t in out if t is not None])
    grads = tape.gradient(loss, trainable)
    self.assertEqual(x.dtype, tf.float32)
    for t in out:
      if t is not None:
        self.assertEqual(t.dtype, tf.float32)
    for v in g.variables + d.variables:
      self.assertEqual(v.dtype, "float32", v.path)
    for v, b in zip(trainable, before):
      self.assertAllEqual(v.numpy(), b)  # the forward pass never writes a trainable variable
    self.assertTrue(all(gr is not None and np.all(np.isfinite(tf.convert_to_tensor(gr).numpy()))
                        for gr in grads))


class MirroredNetworksTest(parameterized.TestCase, tf.test.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  @parameterized.parameters(("sagan", False), ("biggan", True))
  def test_forward_backward_consistent_state(self, arch, cross_replica):
    strategy = helpers.mirrored_strategy(self)
    keras.utils.set_random_seed(0)
    gin.bind_parameter("BatchNorm.cross_replica", cross_replica)  # BigGAN on TPU: synchronized BN
    with strategy.scope():
      g = models.build_generator(arch, image_shape=(32, 32, 3), num_classes=K, ch=1, z_dim=8)
      d = models.build_discriminator(arch, image_shape=(32, 32, 3), num_classes=K, ch=1,
                                     heads=("projection", "classifier"))
      d(g(tf.zeros([2, 8]), tf.zeros([2], tf.int32)), tf.zeros([2], tf.int32))
      opt = optim.PreReducedAdam(1e-2)  # the trainer's optimizer: one fused op per variable
      opt.build(g.trainable_variables + d.trainable_variables)
    variables = g.trainable_variables + d.trainable_variables

    def replica_step(z, y):
      with tf.GradientTape() as tape:
        out = d(g(z, y, training=True), y, training=True)
        loss = tf.reduce_mean(tf.nn.relu(1.0 + out.adv_logits)) + tf.reduce_mean(out.class_logits)
      # Summed over replicas here, as the trainer does (PreReducedAdam does not sum them again).
      grads = tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM,
                                                             tape.gradient(loss, variables))
      opt.apply_gradients(zip(grads, variables))
      return loss

    @tf.function(autograph=False)  # as the trainer traces its replica steps
    def step(z, y):
      return strategy.run(replica_step, args=(z, y))

    dist = strategy.experimental_distribute_values_from_function(
        lambda ctx: (tf.random.normal([2, 8], seed=10 + ctx.replica_id_in_sync_group),
                     tf.constant([0, 1]) + 2 * ctx.replica_id_in_sync_group))
    losses = strategy.experimental_local_results(step(*dist))
    self.assertTrue(all(np.isfinite(l.numpy()) for l in losses))
    state = [v for v in g.non_trainable_variables + d.non_trainable_variables]
    self.assertTrue(any(v.path.endswith("sn_u") for v in state))
    self.assertTrue(any(v.path.endswith("moving_mean") for v in state))
    for v in state + variables:
      copies = [t.numpy() for t in v.value.values]
      self.assertAllEqual(copies[0], copies[1], msg=v.path)


if __name__ == "__main__":
  tf.test.main()
