"""AC-GAN-style families: a real/fake head plus an auxiliary classifier C.

Two groups:
  * `acgan`, `acgan_ssl`: the baselines of Kavalerov et al. 2019 (MHGAN), hinge adversarial loss with projection
    D, Eq. (10) / (9) (the shared hinge + aux form lives in `mhinge.HingeAuxFamily`).
  * `ac_gan_star`, `ac_gan_star_plus`, `ac_gan`, `gan_star`: the binary cross-entropy GAN of
    Zhou et al. 2018 (AM-GAN) §2.2, Eq. (6)-(9), (20), §7.1.1 and §7.1.5, with predefined or dynamic labels
    (AM-GAN §5.1: the target of each generated sample is the argmax of C's class probabilities).

Every family here takes `aux_loss` = 'ce' | 'mhinge' | 'aam' (cross-entropy, Crammer-Singer of the MHGAN paper
Eq. (4), additive angular margin of Sapkota et al. 2022 (AAM) Eq. (8) on `cosine_logits`).
"""

from tfgan_mh.losses import core
from tfgan_mh.losses.family import (LABELINGS, AuxClassifier, LossFamily, _check_choice,
                                    _check_nonnegative, register)
from tfgan_mh.losses.mhinge import HingeAuxFamily

# Eq. (8) of the AAM paper gives no values for s and m; these are those of ArcFace ([9] in the AAM paper).
_AAM_SCALE = 64.0
_AAM_MARGIN = 0.5


@register("acgan")
class ACGANFamily(HingeAuxFamily):
  """ACGAN baseline of the MHGAN paper, Eq. (10): hinge + cross-entropy auxiliary classifier.

  L_D = L_D^real + L_D^fake + w_D CE(C(x), y);  L_G = L_G + lambda CE(C(G(z, y)), y).
  MHGAN §3 trains it with 2 D steps per G step (a trainer setting).

  Args:
    num_classes: K.
    aux_loss: 'ce' (Eq. (10)), 'mhinge' (then identical to `mhinge`) or 'aam' (AAM Eq. (8)).
    g_aux_weight: lambda = 0.1 (MHGAN §3).
    d_aux_weight: 1 (Eq. (10)).
    mhinge_margin: Crammer-Singer margin for aux_loss='mhinge' (1, MHGAN Eq. (4)).
    aam_scale, aam_margin: s and m for aux_loss='aam' (the AAM paper gives none; ArcFace's s=64, m=0.5).
  """

  def __init__(self, *, num_classes: int, aux_loss: str = "ce", g_aux_weight: float = 0.1,
               d_aux_weight: float = 1.0, mhinge_margin: float = 1.0,
               aam_scale: float = _AAM_SCALE, aam_margin: float = _AAM_MARGIN):
    super().__init__(num_classes=num_classes)
    aux = AuxClassifier(self.name, aux_loss, mhinge_margin=mhinge_margin, aam_scale=aam_scale,
                        aam_margin=aam_margin)
    self._setup(aux=aux, d_aux_weight=d_aux_weight, g_aux_weight=g_aux_weight)


@register("acgan_ssl")
class ACGANSSLFamily(HingeAuxFamily):
  """ACGAN-SSL of the MHGAN paper, Eq. (9): (L_D^real + L_D^unlab) / 2 + L_D^fake + CE aux.

  Args: as `acgan`, plus `unlabeled_aux_weight` (0 in Eq. (9); see `mhinge_ssl`).
  """

  ssl = True

  def __init__(self, *, num_classes: int, aux_loss: str = "ce", g_aux_weight: float = 0.1,
               d_aux_weight: float = 1.0, mhinge_margin: float = 1.0,
               aam_scale: float = _AAM_SCALE, aam_margin: float = _AAM_MARGIN,
               unlabeled_aux_weight: float = 0.0):
    super().__init__(num_classes=num_classes)
    aux = AuxClassifier(self.name, aux_loss, mhinge_margin=mhinge_margin, aam_scale=aam_scale,
                        aam_margin=aam_margin)
    self._setup(aux=aux, d_aux_weight=d_aux_weight, g_aux_weight=g_aux_weight,
                unlabeled_aux_weight=unlabeled_aux_weight)


class BinaryAuxFamily(LossFamily):
  """Binary cross-entropy GAN + auxiliary classifier, the AC-GAN* family of AM-GAN §2.2.

    L_D = -log D_r(x) - log(1 - D_r(G(z))) + w_D aux(C(x), y)             (Eq. (8)-(9))
          [+ w_D H(u(.), C(G(z)))           for AC-GAN*+,   Eq. (20)]
          [+ w_D aux(C(G(z)), y(z))         for the original AC-GAN, AM-GAN §2.2 / §7.1.5]
    L_G = -log D_r(G(z)) + lambda aux(C(G(z)), y(z))                       (Eq. (6)-(7))
          [no aux term for GAN*, AM-GAN §7.1.1]

  y(z) is the label given to G ('predefined') or argmax_k C_k(G(z)) without gradient ('dynamic',
  AM-GAN §5.1). Subclasses set `generator_aux` and `fake_aux` and call `_setup`.
  """

  generator_aux = True
  fake_aux = None  # None | "uniform" (Eq. (20)) | "target" (original AC-GAN)

  def _setup(self, *, aux_loss, labeling, d_aux_weight, g_aux_weight, mhinge_margin, aam_scale,
             aam_margin):
    _check_choice(self.name, "labeling", labeling, LABELINGS)
    _check_nonnegative(self.name, "d_aux_weight", d_aux_weight)
    _check_nonnegative(self.name, "g_aux_weight", g_aux_weight)
    self.aux = AuxClassifier(self.name, aux_loss, mhinge_margin=mhinge_margin,
                             aam_scale=aam_scale, aam_margin=aam_margin)
    if self.fake_aux == "uniform" and aux_loss == "mhinge":
      raise ValueError(f"loss family {self.name!r}: the Eq. (20) term is a cross-entropy against the "
                       "uniform distribution; aux_loss='mhinge' has no such form, use 'ce' or 'aam'")
    self.labeling = labeling
    self.d_aux_weight = float(d_aux_weight)
    self.g_aux_weight = float(g_aux_weight)
    self.required_heads = ("adv_logits", self.aux.head)
    self.conditional_generator = labeling == "predefined"

  def target_labels(self, fake, fake_labels):
    """[B] target class of each generated sample: predefined labels or dynamic argmax of C."""
    if self.labeling == "dynamic":
      return core.argmax_labels(logits=self.aux.logits(fake))  # AM-GAN §5.1
    if fake_labels is None:
      raise ValueError(f"loss family {self.name!r} with labeling='predefined' needs fake_labels")
    return fake_labels

  def discriminator_loss(self, *, real, fake, real_labels, fake_labels):
    terms = {"d_bce_real": core.bce_real(logits=real.adv_logits),  # Eq. (8)
             "d_bce_fake": core.bce_fake(logits=fake.adv_logits),
             "d_aux_real": self.d_aux_weight * self.aux.loss(real, real_labels)}  # Eq. (9)
    if self.fake_aux == "uniform":
      terms["d_aux_fake_uniform"] = self.d_aux_weight * self.aux.uniform_loss(fake)  # Eq. (20)
    elif self.fake_aux == "target":
      terms["d_aux_fake"] = self.d_aux_weight * self.aux.loss(
          fake, self.target_labels(fake, fake_labels))
    return terms

  def generator_loss(self, *, fake, fake_labels):
    terms = {"g_non_saturating": core.non_saturating_generator(logits=fake.adv_logits)}  # Eq. (6)
    if self.generator_aux:
      terms["g_aux"] = self.g_aux_weight * self.aux.loss(
          fake, self.target_labels(fake, fake_labels))  # Eq. (7)
    return terms


_BINARY_AUX_DOC_ARGS = """
  Args:
    num_classes: K.
    aux_loss: 'ce' (AM-GAN), 'mhinge' (MHGAN Eq. (4)) or 'aam' (AAM Eq. (8), reads cosine_logits).
    labeling: 'dynamic' (default: the main comparison of AM-GAN §7.1.2 / Table 1) or 'predefined'
      (class-conditional G).
    d_aux_weight, g_aux_weight: weights of the classifier terms in L_D and L_G; 1 in Eq. (6)-(9).
    mhinge_margin: Crammer-Singer margin (1).
    aam_scale, aam_margin: s and m of AAM Eq. (8) (ArcFace's 64 and 0.5; the AAM paper gives none).
"""


def _binary_aux_init(self, num_classes, aux_loss, labeling, d_aux_weight, g_aux_weight,
                     mhinge_margin, aam_scale, aam_margin):
  LossFamily.__init__(self, num_classes=num_classes)
  self._setup(aux_loss=aux_loss, labeling=labeling, d_aux_weight=d_aux_weight,
              g_aux_weight=g_aux_weight, mhinge_margin=mhinge_margin, aam_scale=aam_scale,
              aam_margin=aam_margin)


@register("ac_gan_star")
class ACGANStarFamily(BinaryAuxFamily):
  __doc__ = """AC-GAN*, Eq. (6)-(9) of the AM-GAN paper: no classifier loss on fakes in L_D.
""" + _BINARY_AUX_DOC_ARGS

  def __init__(self, *, num_classes: int, aux_loss: str = "ce", labeling: str = "dynamic",
               d_aux_weight: float = 1.0, g_aux_weight: float = 1.0, mhinge_margin: float = 1.0,
               aam_scale: float = _AAM_SCALE, aam_margin: float = _AAM_MARGIN):
    _binary_aux_init(self, num_classes, aux_loss, labeling, d_aux_weight, g_aux_weight,
                     mhinge_margin, aam_scale, aam_margin)


@register("ac_gan_star_plus")
class ACGANStarPlusFamily(BinaryAuxFamily):
  __doc__ = """AC-GAN*+, AM-GAN §5.3: AC-GAN* plus H(u(.), C(G(z))) in L_D, Eq. (20) (uniform target).

  aux_loss='mhinge' is rejected: Eq. (20) is a cross-entropy.
""" + _BINARY_AUX_DOC_ARGS

  fake_aux = "uniform"

  def __init__(self, *, num_classes: int, aux_loss: str = "ce", labeling: str = "dynamic",
               d_aux_weight: float = 1.0, g_aux_weight: float = 1.0, mhinge_margin: float = 1.0,
               aam_scale: float = _AAM_SCALE, aam_margin: float = _AAM_MARGIN):
    _binary_aux_init(self, num_classes, aux_loss, labeling, d_aux_weight, g_aux_weight,
                     mhinge_margin, aam_scale, aam_margin)


@register("ac_gan")
class ACGANOriginalFamily(BinaryAuxFamily):
  __doc__ = """The original AC-GAN (AM-GAN §2.2, §7.1.5): AC-GAN* plus H(u(y), C(G(z))) in L_D.

  The classifier is also trained to put each generated sample in its target class y(z).
""" + _BINARY_AUX_DOC_ARGS

  fake_aux = "target"

  def __init__(self, *, num_classes: int, aux_loss: str = "ce", labeling: str = "dynamic",
               d_aux_weight: float = 1.0, g_aux_weight: float = 1.0, mhinge_margin: float = 1.0,
               aam_scale: float = _AAM_SCALE, aam_margin: float = _AAM_MARGIN):
    _binary_aux_init(self, num_classes, aux_loss, labeling, d_aux_weight, g_aux_weight,
                     mhinge_margin, aam_scale, aam_margin)


@register("gan_star")
class GANStarFamily(BinaryAuxFamily):
  __doc__ = """GAN*, AM-GAN §7.1.1: D of AC-GAN* (trains the classifier on real), G with the GAN loss only.

  g_aux_weight is unused (kept so gin files can switch families freely).
""" + _BINARY_AUX_DOC_ARGS

  generator_aux = False

  def __init__(self, *, num_classes: int, aux_loss: str = "ce", labeling: str = "dynamic",
               d_aux_weight: float = 1.0, g_aux_weight: float = 1.0, mhinge_margin: float = 1.0,
               aam_scale: float = _AAM_SCALE, aam_margin: float = _AAM_MARGIN):
    _binary_aux_init(self, num_classes, aux_loss, labeling, d_aux_weight, g_aux_weight,
                     mhinge_margin, aam_scale, aam_margin)
