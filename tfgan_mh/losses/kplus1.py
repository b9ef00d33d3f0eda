"""K+1 families: one softmax over K real classes plus a fake class (column K of `kplus1_logits`).

All four share the discriminator objective of LabelGAN / the K+1 GAN,
    L_D = E_(x,y)~data H(v(y), D(x)) + E_z H(v(K+1), D(G(z)))
(Eq. (3)/(5) of Zhou et al. 2018 (AM-GAN), Eq. (1) of Kavalerov et al. 2020 (K+1 GANs)), and differ in the
generator:

  * `labelgan`: -log sum_{k real} D_k(G(z)), Eq. (2)/(4) of the AM-GAN paper (non-saturating);
  * `kplus1`:   log D_fake(G(z)), the generator side of the minimax objective of K+1 GANs Eq. (1) taken
    literally. K+1 GANs §2.2 notes both have the same minimiser g*, so they differ only in gradients
    (saturating vs non-saturating); the "K+1 GAN" of K+1 GANs is otherwise LabelGAN;
  * `amgan`:    H(v(y), D(G(z))) with a target class y per sample, Eq. (14) of the AM-GAN paper, y predefined
    (conditional G) or dynamic (argmax of D's K real-class probabilities, AM-GAN §5.1);
  * `mode_gan`: L_Dyn = -log max_{l real} P(D = l | G(z)), K+1 GANs §2.2 (= AM-GAN with dynamic labels).

`labelgan_projection` and `mode_gan_projection` are the "Mode GAN and K+1 GAN that also used projection
discrimination" of K+1 GANs §3: the same K+1 terms plus the hinge projection discriminator of its reference
[20] (Miyato & Koyama, the SN GAN default) on the same features, D: max(0, 1 - D(x, y)) +
max(0, 1 + D(G(z), y_hat)), G: -D(G(z), y_hat). The K+1 GANs paper does not write the combined objective; we
add the two as Kavalerov et al. 2019 (MHGAN) adds its auxiliary classifier to the projection. The generator stays
unconditional (as without projection), so a sample's label y_hat for the projection is D's dynamic label
argmax_{k real} of the K+1 logits (AM-GAN §5.1; `DiscHeads` pseudo-labels, under stop_gradient); real data
uses its own label.
"""

from tfgan_mh.losses import core
from tfgan_mh.losses.family import LABELINGS, LossFamily, _check_choice, register


class KPlus1Family(LossFamily):
  """The K+1 discriminator objective (AM-GAN Eq. (5), K+1 GANs Eq. (1)); subclasses define the G loss."""

  required_heads = ("kplus1_logits",)
  conditional_generator = False

  def __init__(self, *, num_classes: int):
    super().__init__(num_classes=num_classes)

  def discriminator_loss(self, *, real, fake, real_labels, fake_labels):
    return {"d_class_real": core.kplus1_class_loss(logits=real.kplus1_logits, labels=real_labels),
            "d_fake_class": core.kplus1_fake_loss(logits=fake.kplus1_logits)}


@register("labelgan")
class LabelGANFamily(KPlus1Family):
  """LabelGAN (Salimans et al.), Eq. (2)-(5) of the AM-GAN paper; K+1 GAN of K+1 GANs Eq. (1).

  G: -log sum_{k<=K} D_k(G(z)) = H([1, 0], [D_r, D_{K+1}]) (Eq. (4)). Unconditional G.
  """

  def generator_loss(self, *, fake, fake_labels):
    return {"g_not_fake": core.kplus1_not_fake_loss(logits=fake.kplus1_logits)}


@register("kplus1")
class KPlus1MinimaxFamily(KPlus1Family):
  """The K+1 GAN of K+1 GANs Eq. (1) as a minimax game: G minimises E log d_fake(G(z)).

  Same D and same optimum (K+1 GANs Eq. (2): p_0 f_0 -> sum_m p_m f_m) as `labelgan`; the generator's
  loss is the saturating form (K+1 GANs §2.2 shows both forms have the same minimiser).
  """

  def generator_loss(self, *, fake, fake_labels):
    return {"g_log_fake": core.kplus1_fake_log_prob(logits=fake.kplus1_logits)}


@register("amgan")
class AMGANFamily(KPlus1Family):
  """AM-GAN, Eq. (14)-(15) of the AM-GAN paper: G targets one specific real class per sample.

  G: H(v(y), D(G(z))) = LabelGAN G loss + H(R(v(y)), R(D(G(z)))) (Eq. (17)).

  Args:
    num_classes: K.
    labeling: 'dynamic' (y = argmax of D's real-class probabilities, AM-GAN §5.1; best in AM-GAN Table 1)
      or 'predefined' (y = the label given to a conditional G).
  """

  def __init__(self, *, num_classes: int, labeling: str = "dynamic"):
    super().__init__(num_classes=num_classes)
    _check_choice(self.name, "labeling", labeling, LABELINGS)
    self.labeling = labeling
    self.conditional_generator = labeling == "predefined"

  def target_labels(self, fake, fake_labels):
    """[B] target real class of each generated sample."""
    if self.labeling == "dynamic":
      return core.argmax_labels(logits=fake.kplus1_logits[:, :-1])  # AM-GAN §5.1, column K is fake
    if fake_labels is None:
      raise ValueError(f"loss family {self.name!r} with labeling='predefined' needs fake_labels")
    return fake_labels

  def generator_loss(self, *, fake, fake_labels):
    labels = self.target_labels(fake, fake_labels)
    return {"g_target_class": core.kplus1_class_loss(logits=fake.kplus1_logits, labels=labels)}


class _WithProjection:
  """Adds the hinge projection terms (MHGAN Eq. (3), Miyato & Koyama) to a K+1 family's D and G losses."""

  required_heads = ("kplus1_logits", "adv_logits")

  def discriminator_loss(self, *, real, fake, **kwargs):
    terms = super().discriminator_loss(real=real, fake=fake, **kwargs)
    terms["d_proj_hinge_real"] = core.hinge_real(logits=real.adv_logits)
    terms["d_proj_hinge_fake"] = core.hinge_fake(logits=fake.adv_logits)
    return terms

  def generator_loss(self, *, fake, **kwargs):
    terms = super().generator_loss(fake=fake, **kwargs)
    terms["g_proj_hinge"] = core.hinge_generator(logits=fake.adv_logits)
    return terms


@register("labelgan_projection")
class LabelGANProjectionFamily(_WithProjection, LabelGANFamily):
  """K+1 GANs §3's K+1 GAN with projection: LabelGAN's terms plus the hinge projection terms.

  Heads: ('projection', 'kplus1'). Unconditional G; fakes are projected on D's dynamic label.
  """


@register("mode_gan")
class ModeGANFamily(KPlus1Family):
  """Mode GAN (dynamic labeling), K+1 GANs §2.2: K+1 D objective unchanged,
  G: L_Dyn = -E log max_{l>0} P(D = l | G(z)). Unconditional G.
  """

  def generator_loss(self, *, fake, fake_labels):
    return {"g_dyn": core.kplus1_max_real_loss(logits=fake.kplus1_logits)}


@register("mode_gan_projection")
class ModeGANProjectionFamily(_WithProjection, ModeGANFamily):
  """K+1 GANs §3's Mode GAN with projection: L_Dyn and the K+1 D terms plus the hinge projection terms.

  Heads: ('projection', 'kplus1'). Unconditional G; fakes are projected on D's dynamic label.
  """
