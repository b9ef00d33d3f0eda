"""Multi-hinge families of Kavalerov et al. 2019 (MHGAN): hinge cGAN + auxiliary classifier.

`HingeAuxFamily` is the common form of Eq. (5), (8), (9) and (10) of the MHGAN paper:

    L_D = L_D^real + L_D^fake + w_D * aux(C(x), y)                  (supervised, Eq. (5) / (10))
    L_D = (L_D^real + L_D^unlab) / 2 + L_D^fake + w_D * aux(C(x), y)  (SSL, Eq. (8) / (9))
    L_G = -D(G(z, y), y) + lambda * aux(C(G(z, y)), y)

with aux = Crammer-Singer (MHGAN, Eq. (4)) or cross-entropy (ACGAN baseline, `acgan.py`).
lambda = 0.1 "for all experiments" (MHGAN §3).

SSL: the pseudo-label y~_C(x) = argmax_k C_k(x) of L_D^unlab = E max(0, 1 - D(x, y~_C(x))) enters
only the projection D(x, y~), which the discriminator computes itself when called without labels
(the trainer calls D(x_unlabeled, None)); the family reads `unlabeled.adv_logits`. The pseudo-labels
(given, or argmax of the classifier head without gradient) are used only by the optional auxiliary
term on the unlabeled batch, `unlabeled_aux_weight`, which is 0 in Eq. (8)/(9).
"""

import tensorflow as tf

from tfgan_mh.losses import core
from tfgan_mh.losses.family import AuxClassifier, LossFamily, _check_nonnegative, pseudo_labels, \
  register


class HingeAuxFamily(LossFamily):
  """Hinge adversarial loss + auxiliary classifier loss (MHGAN Eq. (5), (8), (9), (10)).

  Subclasses call `_setup` from their gin-configurable `__init__`.
  """

  ssl = False

  def _setup(self, *, aux: AuxClassifier, d_aux_weight: float, g_aux_weight: float,
             unlabeled_aux_weight: float = 0.0):
    _check_nonnegative(self.name, "d_aux_weight", d_aux_weight)
    _check_nonnegative(self.name, "g_aux_weight", g_aux_weight)
    _check_nonnegative(self.name, "unlabeled_aux_weight", unlabeled_aux_weight)
    self.aux = aux
    self.d_aux_weight = float(d_aux_weight)
    self.g_aux_weight = float(g_aux_weight)
    self.unlabeled_aux_weight = float(unlabeled_aux_weight)
    self.required_heads = ("adv_logits", aux.head)
    self.data_streams = ("unlabeled",) if self.ssl else ()

  def discriminator_loss(self, *, real, fake, real_labels, fake_labels, unlabeled=None, unlabeled_pseudo_labels=None):
    """`unlabeled`: D's output on the unlabeled batch (the `data_streams` entry of the SSL families), required
    there; `unlabeled_pseudo_labels`: the labels of its auxiliary term (default: argmax of the classifier)."""
    terms = {}
    hinge_real = core.hinge_real(logits=real.adv_logits)  # [B]
    if self.ssl:
      if unlabeled is None:
        raise ValueError(f"loss family {self.name!r} needs the unlabeled batch: pass "
                         "unlabeled=<DiscOutput of D on unlabeled real images>")
      terms["d_hinge_real"] = 0.5 * hinge_real  # Eq. (8): (L_D^real + L_D^unlab) / 2
      terms["d_hinge_unlabeled"] = 0.5 * core.hinge_real(logits=unlabeled.adv_logits)  # [B_u]
    else:
      terms["d_hinge_real"] = hinge_real
    terms["d_hinge_fake"] = core.hinge_fake(logits=fake.adv_logits)
    terms["d_aux_real"] = self.d_aux_weight * self.aux.loss(real, real_labels)  # Eq. (4) L_D^aux
    if self.ssl and self.unlabeled_aux_weight > 0.0:
      labels = (unlabeled_pseudo_labels if unlabeled_pseudo_labels is not None
                else pseudo_labels(unlabeled))
      terms["d_aux_unlabeled"] = self.unlabeled_aux_weight * self.aux.loss(unlabeled, labels)
    return terms

  def generator_loss(self, *, fake, fake_labels):
    if fake_labels is None:
      raise ValueError(f"loss family {self.name!r} needs fake_labels (the labels given to G)")
    return {"g_hinge": core.hinge_generator(logits=fake.adv_logits),
            "g_aux": self.g_aux_weight * self.aux.loss(fake, fake_labels)}  # lambda * L_G^aux


def _mhinge_aux(name, margin):
  # The Crammer-Singer choice; AAM's s and m are unused here.
  return AuxClassifier(name, "mhinge", mhinge_margin=margin, aam_scale=1.0, aam_margin=0.0)


@register("mhinge")
class MHingeFamily(HingeAuxFamily):
  """MHGAN, Eq. (4)-(5) of the MHGAN paper: hinge + Crammer-Singer auxiliary classifier.

  Heads: `adv_logits` (projection) and `class_logits` from a separate linear classifier (Fig. 2c).

  Args:
    num_classes: K.
    g_aux_weight: lambda of L_G + lambda L_G^aux; 0.1 in every experiment of MHGAN §3.
    d_aux_weight: weight of L_D^aux; 1 in Eq. (5).
    margin: Crammer-Singer margin; 1 in Eq. (4).
  """

  def __init__(self, *, num_classes: int, g_aux_weight: float = 0.1, d_aux_weight: float = 1.0,
               margin: float = 1.0):
    super().__init__(num_classes=num_classes)
    self._setup(aux=_mhinge_aux(self.name, margin), d_aux_weight=d_aux_weight,
                g_aux_weight=g_aux_weight)


@register("mhinge_shared")
class MHingeSharedFamily(HingeAuxFamily):
  """MHSharedGAN, MHGAN §2.1 and §3.2: the losses of `mhinge` (Eq. (5)), classifier shared with D.

  The loss math is that of `mhinge`; it also reads `class_logits`, but the network makes them from the
  projection embedding matrix applied to the penultimate features (Fig. 2b of the MHGAN paper), so classification
  and discrimination share parameters. MHGAN §3.2 switches to it mid-training from a `hinge` run.

  Args: as `mhinge`.
  """

  def __init__(self, *, num_classes: int, g_aux_weight: float = 0.1, d_aux_weight: float = 1.0,
               margin: float = 1.0):
    super().__init__(num_classes=num_classes)
    self._setup(aux=_mhinge_aux(self.name, margin), d_aux_weight=d_aux_weight,
                g_aux_weight=g_aux_weight)


@register("mhinge_ssl")
class MHingeSSLFamily(HingeAuxFamily):
  """MHGAN-SSL, Eq. (8) of the MHGAN paper: real and unlabeled hinge terms halved, G unchanged.

  Args: as `mhinge`, plus
    unlabeled_aux_weight: weight of a Crammer-Singer term on the unlabeled batch with pseudo-labels;
      0 in Eq. (8) (not part of the paper; an option for co-training experiments).
  """

  ssl = True

  def __init__(self, *, num_classes: int, g_aux_weight: float = 0.1, d_aux_weight: float = 1.0,
               margin: float = 1.0, unlabeled_aux_weight: float = 0.0):
    super().__init__(num_classes=num_classes)
    self._setup(aux=_mhinge_aux(self.name, margin), d_aux_weight=d_aux_weight,
                g_aux_weight=g_aux_weight, unlabeled_aux_weight=unlabeled_aux_weight)


@register("mhinge_kplus1_fm")
class MHingeKPlus1FMFamily(LossFamily):
  """K+1 Crammer-Singer cGAN with feature matching (MHGAN authors' PyTorch code, StudioGAN "MH").

  Not an equation of the MHGAN paper: the variant that unifies discrimination and classification in one K+1
  head (MHGAN §3.2, "we also experimented with K+1 formulations"), with the Crammer-Singer loss of
  Eq. (4) applied to the K+1 logits (column K = fake):

    L_D = CS(D(x), y) + CS(D(G(z, y)), K)
    L_G = lambda * CS(D(G(z, y)), y) + w_fm * ||mean f(x) - mean f(G(z, y))||^2

  The feature matching term (Improved GAN, [27] of the MHGAN paper) is batch-level: it is returned broadcast to
  [B]; under tf.distribute it is computed per replica (see `core.feature_matching`). The generator
  therefore needs D's output on a real batch (`generator_needs`: "real").

  Args:
    num_classes: K.
    g_aux_weight: lambda; 0.1 as in MHGAN §3 (StudioGAN calls it `mh_lambda`).
    fm_weight: weight of the feature matching term.
    margin: Crammer-Singer margin (1, Eq. (4) of the MHGAN paper).
    fm_distance: "squared_l2" (the formula above, Improved GAN) or "mean_abs" (mean over features of
      |mean f(x) - mean f(G(z))|: the authors' code and StudioGAN; with g_aux_weight 0.05 and fm_weight 1 this
      family is StudioGAN's "MH" loss, `gin/experiments/cifar10_biggan_mhgan_studiogan.gin`).
  """

  required_heads = ("kplus1_logits", "features")
  conditional_generator = True
  generator_needs = ("real",)

  def __init__(self, *, num_classes: int, g_aux_weight: float = 0.1, fm_weight: float = 1.0,
               margin: float = 1.0, fm_distance: str = "squared_l2"):
    super().__init__(num_classes=num_classes)
    if fm_distance not in core.FM_DISTANCES:
      raise ValueError(f"loss family {self.name!r}: fm_distance={fm_distance!r} is not valid; valid: "
                       f"{', '.join(core.FM_DISTANCES)}")
    self.fm_distance = fm_distance
    _check_nonnegative(self.name, "g_aux_weight", g_aux_weight)
    _check_nonnegative(self.name, "fm_weight", fm_weight)
    _check_nonnegative(self.name, "margin", margin)
    self.g_aux_weight = float(g_aux_weight)
    self.fm_weight = float(fm_weight)
    self.margin = float(margin)

  def discriminator_loss(self, *, real, fake, real_labels, fake_labels):
    fake_class = tf.fill(tf.shape(fake.kplus1_logits)[:1], self.num_classes)  # [B] class K = fake
    return {"d_cs_real": core.crammer_singer(logits=real.kplus1_logits, labels=real_labels,
                                             margin=self.margin),
            "d_cs_fake": core.crammer_singer(logits=fake.kplus1_logits, labels=fake_class,
                                             margin=self.margin)}

  def generator_loss(self, *, fake, fake_labels, real):
    """`real`: D's output on a real batch (`generator_needs`), for the feature matching term."""
    if fake_labels is None:
      raise ValueError(f"loss family {self.name!r} needs fake_labels (the labels given to G)")
    return {"g_cs": self.g_aux_weight * core.crammer_singer(
                logits=fake.kplus1_logits, labels=fake_labels, margin=self.margin),
            "g_feature_matching": self.fm_weight * core.feature_matching(
                real_features=real.features, fake_features=fake.features, distance=self.fm_distance)}
