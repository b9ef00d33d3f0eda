"""Loss families: a shared contract mixin over every family, plus each family's own equations."""

import math

import gin
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from tfgan_mh import losses
from tfgan_mh.losses import core
from tfgan_mh.models.outputs import DiscOutput

K, B, B_U, F = 3, 4, 6, 5


def _output(batch, seed, num_classes=K):
  """A DiscOutput with every head, small constant values (energies > 0, cosines in (-1, 1))."""
  rng = np.random.RandomState(seed)
  c = lambda *shape: tf.constant(rng.normal(size=shape).astype(np.float32))  # noqa: E731
  return DiscOutput(adv_logits=c(batch), class_logits=c(batch, num_classes),
                    kplus1_logits=c(batch, num_classes + 1),
                    cosine_logits=tf.constant(rng.uniform(-0.9, 0.9, [batch, num_classes]),
                                              tf.float32),
                    energy=tf.constant(rng.uniform(0.5, 3.0, [batch]), tf.float32),
                    features=c(batch, F), fake_class_logits=c(batch, num_classes))


def _labels(batch, seed):
  return tf.constant(np.random.RandomState(seed).randint(0, K, size=[batch]), tf.int32)


def _without(out, *heads):
  return out._replace(**{h: None for h in heads})


class _FamilyContractMixin:
  """Checks every family must pass (TF-GAN losses_impl_test style)."""

  family_name = None
  overrides = {}

  def family(self):
    fam = losses.get_family(self.family_name, num_classes=K, **self.overrides)
    state = fam.build_state()
    if "margin_state" in state:  # MAGAN: past its pre-training, m = 1.5
      state["margin_state"].end_pretraining(1.5)
    return fam

  def _losses(self, fam, real, fake, unlabeled):
    streams = {name: unlabeled for name in fam.data_streams}  # ("unlabeled",) of the SSL families
    d = fam.discriminator_loss(real=real, fake=fake, real_labels=_labels(B, 1), fake_labels=_labels(B, 2),
                               **streams)
    g_kwargs = dict(real=real) if "real" in fam.generator_needs else {}
    if "reconstruction" in fam.generator_needs:  # G(x, c) families: the cycle term reads x and G(G(x, c), c_x)
      g_kwargs.update(source=tf.random.stateless_uniform([B, 4, 4, 1], [1, 2], -1, 1),
                      reconstruction=tf.random.stateless_uniform([B, 4, 4, 1], [3, 4], -1, 1))
    g = fam.generator_loss(fake=fake, fake_labels=_labels(B, 2), **g_kwargs)
    return d, g

  def test_attributes(self):
    fam = self.family()
    self.assertEqual(fam.name, self.family_name)
    self.assertNotEmpty(fam.required_heads)
    for h in fam.required_heads:
      self.assertIn(h, DiscOutput._fields)
    for attr in ("conditional_generator", "generator_takes_images", "needs_epochs"):
      self.assertIsInstance(getattr(fam, attr), bool)
    self.assertIsInstance(fam.data_streams, tuple)
    self.assertIsInstance(fam.generator_needs, tuple)
    self.assertContainsSubset(fam.generator_needs, ("real", "source", "reconstruction"))

  def test_per_example_finite_terms(self):
    fam = self.family()
    d, g = self._losses(fam, _output(B, 10), _output(B, 11), _output(B_U, 12))
    for prefix, terms in (("d_", d), ("g_", g)):
      self.assertNotEmpty(terms)
      self.assertNotIn("total", terms)
      for name, value in terms.items():
        self.assertTrue(name.startswith(prefix), name)
        self.assertEqual(value.dtype, tf.float32, name)
        self.assertEqual(value.shape, [B_U if "unlabeled" in name else B], name)
        self.assertTrue(np.all(np.isfinite(value.numpy())), name)

  def test_finite_gradients_wrt_heads(self):
    fam = self.family()
    real, fake, unlabeled = _output(B, 10), _output(B, 11), _output(B_U, 12)
    heads = [t for out in (real, fake, unlabeled) for t in out if t is not None]
    with tf.GradientTape(persistent=True) as tape:
      tape.watch(heads)
      d, g = self._losses(fam, real, fake, unlabeled)
      d_loss = tf.add_n([tf.reduce_mean(v) for v in d.values()])
      g_loss = tf.add_n([tf.reduce_mean(v) for v in g.values()])
    for loss, where in ((d_loss, (real, fake)), (g_loss, (fake,))):
      grads = tape.gradient(loss, heads)
      self.assertTrue(any(gr is not None and np.any(gr.numpy() != 0) for gr in grads))
      for gr in grads:
        if gr is not None:
          self.assertTrue(np.all(np.isfinite(gr.numpy())))
      # Every head the loss reads is a required one.
      for out in where:
        for name, t in out._asdict().items():
          if t is None:  # (the cosine head's optional embedding)
            continue
          gr = tape.gradient(loss, t)
          if gr is not None and np.any(gr.numpy() != 0):
            self.assertIn(name, fam.required_heads)

  def test_same_values_in_tf_function(self):
    fam = self.family()
    real, fake, unlabeled = _output(B, 10), _output(B, 11), _output(B_U, 12)
    eager = self._losses(fam, real, fake, unlabeled)
    graph = tf.function(lambda: self._losses(fam, real, fake, unlabeled))()
    for e, g in zip(eager, graph):
      self.assertAllClose(e, g)

  def test_check_heads(self):
    fam = self.family()
    fam.check_heads(_output(B, 0))
    fam.check_heads(list(fam.required_heads))
    missing = fam.required_heads[-1]
    bad = _without(_output(B, 0), missing)
    with self.assertRaisesRegex(ValueError, f"loss family '{self.family_name}' needs head\\(s\\) "
                                f"{missing}; the discriminator produces: "):
      fam.check_heads(bad)


# One concrete test class per family (and per non-default head/label choice).
_VARIANTS = [(n, {}) for n in losses.family_names()] + [
    ("acgan", dict(aux_loss="aam")), ("acgan", dict(aux_loss="mhinge")),
    ("acgan_ssl", dict(aux_loss="aam", unlabeled_aux_weight=0.5)),
    ("mhinge_ssl", dict(unlabeled_aux_weight=1.0)),
    ("ac_gan_star", dict(aux_loss="aam", labeling="predefined")),
    ("ac_gan_star_plus", dict(aux_loss="aam")), ("ac_gan", dict(labeling="predefined")),
    ("ac_gan", dict(aux_loss="mhinge")), ("gan_star", dict(labeling="predefined")),
    ("amgan", dict(labeling="predefined")),
]
for _i, (_name, _overrides) in enumerate(_VARIANTS):
  _cls = type(f"FamilyContract_{_name}_{_i}", (_FamilyContractMixin, tf.test.TestCase),
              dict(family_name=_name, overrides=_overrides))
  globals()[_cls.__name__] = _cls
del _cls


class RegistryTest(parameterized.TestCase, tf.test.TestCase):

  def test_names(self):
    expected = {"hinge", "mhinge", "mhinge_shared", "mhinge_kplus1_fm", "acgan", "mhinge_ssl",
                "acgan_ssl", "labelgan", "amgan", "mode_gan", "ac_gan_star", "ac_gan_star_plus",
                "ac_gan", "gan_star", "ebgan", "magan", "binary", "kplus1", "labelgan_projection",
                "mode_gan_projection", "translation", "cgan", "rpgan", "reacgan", "adcgan"}
    self.assertEqual(set(losses.family_names()), expected)

  def test_unknown_name(self):
    with self.assertRaisesRegex(ValueError, r"unknown loss family 'mhinge2'; valid names: .*mhinge, "):
      losses.get_family("mhinge2", num_classes=K)

  @parameterized.parameters(
      ("mhinge", dict(g_aux_weight=-1.0), "g_aux_weight=-1.0 must be >= 0"),
      ("adcgan", dict(cond_lambda=True), "cond_lambda=True must be >= 0"),
      ("reacgan", dict(cond_lambda="0.5"), "cond_lambda='0.5' must be >= 0"),
      ("acgan", dict(aux_loss="hinge"), "aux_loss='hinge' is not one of ce, mhinge, aam"),
      ("amgan", dict(labeling="fixed"), "labeling='fixed' is not one of dynamic, predefined"),
      ("ac_gan_star_plus", dict(aux_loss="mhinge"), "uniform distribution"),
      ("acgan", dict(aux_loss="aam", aam_scale=0.0), "aam_scale=0.0 must be > 0"),
      ("ebgan", dict(margin=0.0), "margin=0.0 must be > 0"),
      ("hinge", dict(num_classes=1), "num_classes=1 must be an int >= 2"),
  )
  def test_bad_hyperparameters(self, name, kwargs, message):
    kwargs = dict(dict(num_classes=K), **kwargs)
    with self.assertRaisesRegex(ValueError, message):
      losses.get_family(name, **kwargs)

  def test_unknown_hyperparameter(self):
    with self.assertRaises(TypeError):
      losses.get_family("hinge", num_classes=K, g_aux_weight=0.1)

  def test_gin_binding_and_override(self):
    try:
      gin.parse_config("mhinge.g_aux_weight = 0.5\nacgan.aux_loss = 'aam'")
      self.assertEqual(losses.get_family("mhinge", num_classes=K).g_aux_weight, 0.5)
      self.assertEqual(losses.get_family("mhinge", num_classes=K, g_aux_weight=0.2).g_aux_weight,
                       0.2)
      self.assertEqual(losses.get_family("mhinge_shared", num_classes=K).g_aux_weight, 0.1)
      fam = losses.get_family("acgan", num_classes=K)
      self.assertEqual(fam.required_heads, ("adv_logits", "cosine_logits"))
    finally:
      gin.clear_config()

  def test_check_heads_message_and_width(self):
    fam = losses.get_family("mhinge", num_classes=K)
    out = DiscOutput(adv_logits=tf.zeros([2]), features=tf.zeros([2, 4]))
    with self.assertRaises(ValueError) as ctx:
      fam.check_heads(out)
    self.assertEqual(str(ctx.exception), "loss family 'mhinge' needs head(s) class_logits; the "
                     "discriminator produces: adv_logits, features")
    with self.assertRaisesRegex(ValueError, "needs head\\(s\\) adv_logits, class_logits; the "
                                "discriminator produces: energy"):
      fam.check_heads(["energy"])
    with self.assertRaisesRegex(ValueError, "head class_logits has 5 columns, expected 3"):
      fam.check_heads(DiscOutput(adv_logits=tf.zeros([2]), class_logits=tf.zeros([2, 5])))

  def test_pseudo_labels(self):
    out = DiscOutput(kplus1_logits=tf.constant([[0.0, 2.0, 1.0, 9.0]]))
    self.assertAllEqual(losses.pseudo_labels(out), [1])  # the fake column is ignored
    with self.assertRaisesRegex(ValueError, "needs a classifier head"):
      losses.pseudo_labels(DiscOutput(adv_logits=tf.zeros([1])))


def _fixed():
  """Small hand-made outputs for K = 3."""
  real = DiscOutput(adv_logits=tf.constant([1.5, -0.5]),
                    class_logits=tf.constant([[2.0, 0.5, -1.0], [0.0, 0.3, 0.1]]),
                    kplus1_logits=tf.math.log(tf.constant([[1.0, 2.0, 4.0, 1.0],
                                                           [1.0, 1.0, 1.0, 5.0]])),
                    features=tf.constant([[1.0, 0.0], [3.0, 2.0]]),
                    energy=tf.constant([1.0, 2.0]))
  fake = DiscOutput(adv_logits=tf.constant([0.2, -2.0]),
                    class_logits=tf.constant([[0.0, 1.0, 0.0], [1.0, 1.0, 3.0]]),
                    kplus1_logits=tf.math.log(tf.constant([[1.0, 2.0, 1.0, 4.0],
                                                           [3.0, 1.0, 1.0, 3.0]])),
                    features=tf.constant([[0.0, 0.0], [2.0, 2.0]]),
                    energy=tf.constant([0.5, 4.0]))
  return real, fake, tf.constant([0, 2]), tf.constant([1, 2])


class FamilyValuesTest(tf.test.TestCase):

  def test_hinge(self):
    real, fake, ry, fy = _fixed()
    fam = losses.get_family("hinge", num_classes=K)
    d = fam.discriminator_loss(real=real, fake=fake, real_labels=ry, fake_labels=fy)
    self.assertAllClose(d, {"d_hinge_real": [0.0, 1.5], "d_hinge_fake": [1.2, 0.0]})
    self.assertAllClose(fam.generator_loss(fake=fake, fake_labels=fy), {"g_hinge": [-0.2, 2.0]})

  def test_rpgan_pairs_each_fake_with_its_real(self):
    real, fake, ry, fy = _fixed()  # adv real [1.5, -0.5], fake [0.2, -2.0]
    fam = losses.get_family("rpgan", num_classes=K)
    d = fam.discriminator_loss(real=real, fake=fake, real_labels=ry, fake_labels=fy)
    self.assertAllClose(d, {"d_rp": [math.log1p(math.exp(0.2 - 1.5)), math.log1p(math.exp(-2.0 + 0.5))]})
    g = fam.generator_loss(fake=fake, fake_labels=fy, real=real)
    self.assertAllClose(g, {"g_rp": [math.log1p(math.exp(1.5 - 0.2)), math.log1p(math.exp(-0.5 + 2.0))]})
    self.assertEqual(fam.generator_needs, ("real",))

  def test_reacgan_d2dce_eq7_against_numpy(self):
    from tfgan_mh.losses import reacgan  # pylint: disable=g-import-not-at-top
    rng = np.random.default_rng(3)
    feats = rng.normal(size=(5, 4)).astype(np.float32)
    labels = np.array([0, 1, 0, 2, 1], np.int32)
    cos = rng.uniform(-1, 1, size=(5, K)).astype(np.float32)
    tau, m_p, m_n = 0.5, 0.6, 0.1  # margins at which both clips act on these values
    f = feats / np.linalg.norm(feats, axis=1, keepdims=True)
    expected = []
    for i in range(5):
      pos = min(cos[i, labels[i]] - m_p, 0.0) / tau
      negs = [max(f[i] @ f[j] - m_n, 0.0) / tau for j in range(5) if labels[j] != labels[i]]
      expected.append(-np.log(np.exp(pos) / (np.exp(pos) + np.sum(np.exp(negs)))))
    got = reacgan.d2d_cross_entropy(cosine_logits=cos, features=feats, labels=labels, temperature=tau,
                                    pos_margin=m_p, neg_margin=m_n)
    self.assertAllClose(got, expected, rtol=1e-5)
    # One class only: no negatives, nothing to push away, the loss is 0 (the positive alone is its own softmax).
    alone = reacgan.d2d_cross_entropy(cosine_logits=cos, features=feats, labels=np.zeros(5, np.int32),
                                      temperature=tau, pos_margin=m_p, neg_margin=m_n)
    self.assertAllClose(alone, np.zeros(5), atol=1e-6)
    out = DiscOutput(adv_logits=tf.constant([0.5, -2.0, 0.0, 1.0, 3.0]), cosine_logits=tf.constant(cos),
                     features=tf.constant(feats))
    fam = losses.get_family("reacgan", num_classes=K, cond_lambda=0.25, temperature=tau, pos_margin=m_p,
                            neg_margin=m_n)
    d = fam.discriminator_loss(real=out, fake=out, real_labels=labels, fake_labels=labels)
    self.assertAllClose(d["d_d2dce"], 0.25 * np.array(expected), rtol=1e-5)
    self.assertAllClose(d["d_hinge_real"], [0.5, 3.0, 1.0, 0.0, 0.0])
    g = fam.generator_loss(fake=out, fake_labels=labels)
    self.assertAllClose(g["g_d2dce"], 0.25 * np.array(expected), rtol=1e-5)
    # With the cosine head's embedding (StudioGAN's d_embed_dim), the data-to-data terms use it, not phi.
    embedded = out._replace(features=tf.zeros_like(out.features), embedding=tf.constant(feats))
    d = fam.discriminator_loss(real=embedded, fake=embedded, real_labels=labels, fake_labels=labels)
    self.assertAllClose(d["d_d2dce"], 0.25 * np.array(expected), rtol=1e-5)
    with self.assertRaisesRegex(ValueError, "reacgan: .*temperature=0.0"):
      losses.get_family("reacgan", num_classes=K, temperature=0.0)

  def test_adcgan_2k_classifier_terms(self):
    real_half = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 0.5]], np.float32)
    fake_half = np.array([[1.0, -2.0, 0.0], [0.0, 3.0, -1.0]], np.float32)
    labels = np.array([0, 1], np.int32)
    out = DiscOutput(adv_logits=tf.constant([0.5, -1.5]), class_logits=tf.constant(real_half),
                     fake_class_logits=tf.constant(fake_half))
    both = np.concatenate([real_half, fake_half], axis=1)
    log_z = np.log(np.exp(both).sum(axis=1))
    ce_real = log_z - real_half[[0, 1], labels]  # "real, class y"
    ce_fake = log_z - fake_half[[0, 1], labels]  # "generated, class y"
    fam = losses.get_family("adcgan", num_classes=K, cond_lambda=0.5)
    d = fam.discriminator_loss(real=out, fake=out, real_labels=labels, fake_labels=labels)
    self.assertAllClose(d, {"d_hinge_real": [0.5, 2.5], "d_hinge_fake": [1.5, 0.0], "d_adc_real": 0.5 * ce_real,
                            "d_adc_fake": 0.5 * ce_fake})
    g = fam.generator_loss(fake=out, fake_labels=labels)
    self.assertAllClose(g, {"g_hinge": [-0.5, 1.5], "g_adc_real": 0.5 * ce_real, "g_adc_not_generated": -0.5 * ce_fake})
    with self.assertRaisesRegex(ValueError, r"loss family 'adcgan': cond_lambda=-1.0 must be >= 0"):
      losses.get_family("adcgan", num_classes=K, cond_lambda=-1.0)

  def test_mhinge_eq5(self):
    real, fake, ry, fy = _fixed()
    fam = losses.get_family("mhinge", num_classes=K)
    d = fam.discriminator_loss(real=real, fake=fake, real_labels=ry, fake_labels=fy)
    # CS(real): [max(0, 1 - 2 + 0.5), max(0, 1 - 0.1 + 0.3)] = [0, 1.2]
    self.assertAllClose(d, {"d_hinge_real": [0.0, 1.5], "d_hinge_fake": [1.2, 0.0],
                            "d_aux_real": [0.0, 1.2]})
    g = fam.generator_loss(fake=fake, fake_labels=fy)
    # CS(fake, y=[1, 2]): [max(0, 1 - 1 + 0), max(0, 1 - 3 + 1)] = [0, 0]; lambda = 0.1
    self.assertAllClose(g, {"g_hinge": [-0.2, 2.0], "g_aux": [0.0, 0.0]})
    g = fam.generator_loss(fake=fake, fake_labels=tf.constant([0, 0]))
    self.assertAllClose(g["g_aux"], [0.1 * 2.0, 0.1 * 3.0])  # 1 - 0 + 1, 1 - 1 + 3
    # acgan with the multi-hinge aux loss is the same objective.
    acgan = losses.get_family("acgan", num_classes=K, aux_loss="mhinge")
    self.assertAllClose(acgan.discriminator_loss(real=real, fake=fake, real_labels=ry,
                                                 fake_labels=fy), d)

  def test_acgan_eq10(self):
    real, fake, ry, fy = _fixed()
    fam = losses.get_family("acgan", num_classes=K)
    d = fam.discriminator_loss(real=real, fake=fake, real_labels=ry, fake_labels=fy)
    self.assertAllClose(d["d_aux_real"], core.softmax_cross_entropy(logits=real.class_logits,
                                                                    labels=ry))
    g = fam.generator_loss(fake=fake, fake_labels=fy)
    self.assertAllClose(g["g_aux"], 0.1 * core.softmax_cross_entropy(logits=fake.class_logits,
                                                                     labels=fy))
    aam = losses.get_family("acgan", num_classes=K, aux_loss="aam", aam_scale=2.0, aam_margin=0.1)
    real = real._replace(cosine_logits=tf.constant([[0.5, 0.1, -0.2], [0.0, 0.3, 0.9]]))
    d = aam.discriminator_loss(real=real, fake=real, real_labels=ry, fake_labels=fy)
    self.assertAllClose(d["d_aux_real"], losses.aam_cross_entropy(
        cos_logits=real.cosine_logits, labels=ry, scale=2.0, margin=0.1))

  def test_ssl_halves_eq8_and_needs_unlabeled(self):
    real, fake, ry, fy = _fixed()
    unlabeled = DiscOutput(adv_logits=tf.constant([0.0, 2.0, -1.0]),
                           class_logits=tf.constant([[1.0, 0.0, 0.0]] * 3))
    fam = losses.get_family("mhinge_ssl", num_classes=K)
    d = fam.discriminator_loss(real=real, fake=fake, real_labels=ry, fake_labels=fy,
                               unlabeled=unlabeled)
    self.assertAllClose(d, {"d_hinge_real": [0.0, 0.75], "d_hinge_unlabeled": [0.5, 0.0, 1.0],
                            "d_hinge_fake": [1.2, 0.0], "d_aux_real": [0.0, 1.2]})
    objective = sum(float(tf.reduce_mean(v)) for v in d.values())
    self.assertAllClose(objective, (0.75 + 1.0) / 2 + 0.6 + 0.6)  # (real + unlab) / 2 + fake + aux
    with self.assertRaisesRegex(ValueError, "'mhinge_ssl' needs the unlabeled batch"):
      fam.discriminator_loss(real=real, fake=fake, real_labels=ry, fake_labels=fy)
    # Optional pseudo-label term: argmax C(x) = 0 by default, or the given pseudo-labels.
    fam = losses.get_family("acgan_ssl", num_classes=K, unlabeled_aux_weight=2.0)
    d = fam.discriminator_loss(real=real, fake=fake, real_labels=ry, fake_labels=fy,
                               unlabeled=unlabeled)
    ce0 = -math.log(math.e / (math.e + 2.0))
    self.assertAllClose(d["d_aux_unlabeled"], [2.0 * ce0] * 3)
    d = fam.discriminator_loss(real=real, fake=fake, real_labels=ry, fake_labels=fy,
                               unlabeled=unlabeled, unlabeled_pseudo_labels=tf.constant([1, 1, 1]))
    self.assertAllClose(d["d_aux_unlabeled"], [2.0 * -math.log(1.0 / (math.e + 2.0))] * 3)

  def test_kplus1_discriminator(self):
    real, fake, ry, fy = _fixed()
    for name in ("labelgan", "kplus1", "amgan", "mode_gan"):
      d = losses.get_family(name, num_classes=K).discriminator_loss(
          real=real, fake=fake, real_labels=ry, fake_labels=fy)
      # real: -log(1/8), -log(1/8); fake column: -log(4/8), -log(3/8)
      self.assertAllClose(d, {"d_class_real": [math.log(8.0), math.log(8.0)],
                              "d_fake_class": [math.log(2.0), math.log(8 / 3)]})

  def test_amgan_generator_is_labelgan_plus_aux_ce_eq17(self):
    _, fake, _, fy = _fixed()
    amgan = losses.get_family("amgan", num_classes=K, labeling="predefined")
    labelgan = losses.get_family("labelgan", num_classes=K)
    am = amgan.generator_loss(fake=fake, fake_labels=fy)["g_target_class"]
    lab = labelgan.generator_loss(fake=fake, fake_labels=None)["g_not_fake"]
    aux = core.softmax_cross_entropy(logits=fake.kplus1_logits[:, :K], labels=fy)  # H(R(v), R(D))
    self.assertAllClose(am, lab + aux)
    self.assertAllClose(lab, [-math.log(4 / 8), -math.log(5 / 8)])

  def test_mode_gan_is_dynamic_amgan_and_labels_carry_no_gradient(self):
    _, fake, _, _ = _fixed()
    x = fake.kplus1_logits
    with tf.GradientTape(persistent=True) as tape:
      tape.watch(x)
      out = fake._replace(kplus1_logits=x)
      mode = losses.get_family("mode_gan", num_classes=K).generator_loss(
          fake=out, fake_labels=None)["g_dyn"]
      dyn = losses.get_family("amgan", num_classes=K).generator_loss(
          fake=out, fake_labels=tf.constant([2, 2]))["g_target_class"]  # labels ignored
      fixed = core.kplus1_class_loss(logits=x, labels=tf.constant([1, 0]))  # the argmax labels
    self.assertAllClose(mode, [-math.log(2 / 8), -math.log(3 / 8)])
    self.assertAllClose(dyn, mode)
    self.assertAllClose(tape.gradient(dyn, x), tape.gradient(fixed, x))
    self.assertAllClose(tape.gradient(mode, x), tape.gradient(fixed, x))

  def test_kplus1_with_projection_adds_the_hinge_projection_terms(self):
    real, fake, ry, fy = _fixed()
    for name in ("labelgan", "mode_gan"):
      with self.subTest(name=name):
        plain = losses.get_family(name, num_classes=K)
        pj = losses.get_family(f"{name}_projection", num_classes=K)
        self.assertFalse(pj.conditional_generator)
        self.assertEqual(pj.required_heads, ("kplus1_logits", "adv_logits"))
        d = pj.discriminator_loss(real=real, fake=fake, real_labels=ry, fake_labels=fy)
        want = dict(plain.discriminator_loss(real=real, fake=fake, real_labels=ry, fake_labels=fy))
        # real adv (1.5, -0.5): max(0, 1 - D) = 0, 1.5; fake adv (0.2, -2): max(0, 1 + D) = 1.2, 0.
        want.update(d_proj_hinge_real=[0.0, 1.5], d_proj_hinge_fake=[1.2, 0.0])
        self.assertAllClose(d, want)
        g = pj.generator_loss(fake=fake, fake_labels=None)
        want = dict(plain.generator_loss(fake=fake, fake_labels=None), g_proj_hinge=[-0.2, 2.0])
        self.assertAllClose(g, want)

  def test_kplus1_minimax_generator(self):
    _, fake, _, _ = _fixed()
    g = losses.get_family("kplus1", num_classes=K).generator_loss(fake=fake, fake_labels=None)
    self.assertAllClose(g, {"g_log_fake": [math.log(4 / 8), math.log(3 / 8)]})

  def test_ac_gan_star_variants(self):
    real, fake, ry, fy = _fixed()
    ce = lambda logits, y: core.softmax_cross_entropy(logits=logits, labels=y)  # noqa: E731
    dyn = tf.constant([1, 2])  # argmax of fake.class_logits
    base = {"d_bce_real": core.bce_real(logits=real.adv_logits),
            "d_bce_fake": core.bce_fake(logits=fake.adv_logits),
            "d_aux_real": ce(real.class_logits, ry)}
    star = losses.get_family("ac_gan_star", num_classes=K)
    self.assertAllClose(star.discriminator_loss(real=real, fake=fake, real_labels=ry,
                                                fake_labels=fy), base)
    g = star.generator_loss(fake=fake, fake_labels=tf.constant([0, 0]))  # dynamic: ignored
    self.assertAllClose(g, {"g_non_saturating": core.bce_real(logits=fake.adv_logits),
                            "g_aux": ce(fake.class_logits, dyn)})
    plus = losses.get_family("ac_gan_star_plus", num_classes=K)
    d = plus.discriminator_loss(real=real, fake=fake, real_labels=ry, fake_labels=fy)
    self.assertAllClose(d, dict(base, d_aux_fake_uniform=core.uniform_cross_entropy(
        logits=fake.class_logits)))
    original = losses.get_family("ac_gan", num_classes=K, labeling="predefined")
    self.assertTrue(original.conditional_generator)
    d = original.discriminator_loss(real=real, fake=fake, real_labels=ry,
                                    fake_labels=tf.constant([0, 0]))
    self.assertAllClose(d, dict(base, d_aux_fake=ce(fake.class_logits, [0, 0])))
    gan_star = losses.get_family("gan_star", num_classes=K)
    self.assertFalse(gan_star.conditional_generator)
    self.assertEqual(list(gan_star.generator_loss(fake=fake, fake_labels=fy)), ["g_non_saturating"])
    with self.assertRaisesRegex(ValueError, "labeling='predefined' needs fake_labels"):
      original.generator_loss(fake=fake, fake_labels=None)

  def test_mhinge_kplus1_fm(self):
    real, fake, ry, fy = _fixed()
    fam = losses.get_family("mhinge_kplus1_fm", num_classes=K, fm_weight=2.0)
    self.assertEqual(fam.generator_needs, ("real",))
    d = fam.discriminator_loss(real=real, fake=fake, real_labels=ry, fake_labels=fy)
    log = math.log
    self.assertAllClose(d, {
        # CS over K+1 logits: 1 - log(1) + log(4); 1 - log(1) + log(5)
        "d_cs_real": [1.0 + log(4.0), 1.0 + log(5.0)],
        # fake class K: 1 - log(4) + log(2) ; 1 - log(3) + log(3)
        "d_cs_fake": [1.0 - log(2.0), 1.0]}, atol=1e-5)
    g = fam.generator_loss(fake=fake, fake_labels=fy, real=real)
    # CS(fake, y=[1, 2]): 1 - log 2 + log 4 ; 1 - log 1 + log 3; FM: means [2, 1] vs [1, 1] -> 1.
    self.assertAllClose(g, {"g_cs": [0.1 * (1.0 + log(2.0)), 0.1 * (1.0 + log(3.0))],
                            "g_feature_matching": [2.0, 2.0]}, atol=1e-5)
    with self.assertRaisesRegex(TypeError, "required keyword-only argument: .real."):
      fam.generator_loss(fake=fake, fake_labels=fy)

  def test_mhinge_kplus1_fm_equals_studiogans_mh_loss(self):
    # PyTorch-StudioGAN (worker.py, losses.py), written out in numpy: D = mean CS(real, y) + mean CS(fake, K);
    # G = mh_lambda * mean CS(fake, y_fake) + fm_lambda * mean_j |mean fake_j - mean real_j|.
    rng = np.random.default_rng(0)
    kp1 = lambda: tf.constant(rng.normal(size=(6, K + 1)), tf.float32)
    feats = lambda: tf.constant(rng.normal(size=(6, 5)), tf.float32)
    real, fake = DiscOutput(kplus1_logits=kp1(), features=feats()), DiscOutput(kplus1_logits=kp1(), features=feats())
    ry, fy = tf.constant(rng.integers(0, K, 6), tf.int32), tf.constant(rng.integers(0, K, 6), tf.int32)

    def cs(logits, labels):
      logits = logits.numpy()
      target = logits[np.arange(len(labels)), labels]
      wrong = np.where(np.eye(logits.shape[1])[labels] > 0, -np.inf, logits).max(1)
      return np.maximum(0.0, 1.0 + wrong - target).mean()

    fam = losses.get_family("mhinge_kplus1_fm", num_classes=K, g_aux_weight=0.05, fm_weight=1.0,
                            fm_distance="mean_abs")
    d = fam.discriminator_loss(real=real, fake=fake, real_labels=ry, fake_labels=fy)
    g = fam.generator_loss(fake=fake, fake_labels=fy, real=real)
    studio_d = cs(real.kplus1_logits, ry.numpy()) + cs(fake.kplus1_logits, np.full(6, K))
    studio_g = 0.05 * cs(fake.kplus1_logits, fy.numpy()) + np.abs(
        fake.features.numpy().mean(0) - real.features.numpy().mean(0)).mean()
    self.assertAllClose(sum(float(tf.reduce_mean(v)) for v in d.values()), studio_d, atol=1e-5)
    self.assertAllClose(sum(float(tf.reduce_mean(v)) for v in g.values()), studio_g, atol=1e-5)
    with self.assertRaisesRegex(ValueError, "fm_distance='l1' is not valid; valid: squared_l2, mean_abs"):
      losses.get_family("mhinge_kplus1_fm", num_classes=K, fm_distance="l1")

  def test_energy_families(self):
    real, fake, ry, fy = _fixed()
    magan = losses.get_family("magan", num_classes=K)
    d = magan.discriminator_loss(real=real, fake=fake, real_labels=ry, fake_labels=fy, margin=2.0)
    self.assertAllClose(d, {"d_energy_real": [1.0, 2.0], "d_energy_hinge_fake": [1.5, 0.0]})
    d0 = magan.discriminator_loss(real=real, fake=fake, real_labels=ry, fake_labels=fy, margin=0.0)
    self.assertAllClose(d0["d_energy_hinge_fake"], [0.0, 0.0])  # pre-training: m = 0
    self.assertAllClose(magan.generator_loss(fake=fake, fake_labels=None), {"g_energy": [0.5, 4.0]})
    with self.assertRaisesRegex(ValueError, "'magan' has no margin yet: pass margin= or build_state"):
      magan.discriminator_loss(real=real, fake=fake, real_labels=ry, fake_labels=fy)
    magan.build_state()["margin_state"].end_pretraining(2.0)
    d = magan.discriminator_loss(real=real, fake=fake, real_labels=ry, fake_labels=fy)  # its own m_t
    self.assertAllClose(d["d_energy_hinge_fake"], [1.5, 0.0])
    ebgan = losses.get_family("ebgan", num_classes=K, margin=5.0)
    self.assertEqual(ebgan.build_state(), {})  # a fixed margin: no state
    d = ebgan.discriminator_loss(real=real, fake=fake, real_labels=ry, fake_labels=fy)
    self.assertAllClose(d["d_energy_hinge_fake"], [4.5, 1.0])  # its own margin


if __name__ == "__main__":
  tf.test.main()
