"""Families with only a real/fake head: the hinge cGAN (SAGAN baseline), the binary GAN and the binary cGAN.

All read `adv_logits` [B]; for the hinge family it is the projection discriminator's output
D(x, y) (Fig. 2a of Kavalerov et al. 2019 (MHGAN)); for the cgan family it is D(x, y) of a D that reads the
label at its input (`build_discriminator.label_input`) or by projection.
"""

from tfgan_mh.losses import core
from tfgan_mh.losses.family import LossFamily, register


@register("hinge")
class HingeFamily(LossFamily):
  """Hinge cGAN with projection discriminator (SAGAN baseline), Eq. (3) of the MHGAN paper.

  D: max(0, 1 - D(x, y)) + max(0, 1 + D(G(z, y), y));  G: -D(G(z, y), y).
  """

  required_heads = ("adv_logits",)
  conditional_generator = True

  def __init__(self, *, num_classes: int):
    super().__init__(num_classes=num_classes)

  def discriminator_loss(self, *, real, fake, real_labels, fake_labels):
    return {"d_hinge_real": core.hinge_real(logits=real.adv_logits),
            "d_hinge_fake": core.hinge_fake(logits=fake.adv_logits)}

  def generator_loss(self, *, fake, fake_labels):
    return {"g_hinge": core.hinge_generator(logits=fake.adv_logits)}


@register("binary")
class BinaryFamily(LossFamily):
  """The original (unconditional) GAN with the non-saturating generator loss.

  Eq. (1) of Zhou et al. 2018 (AM-GAN) (L_D = -E log D_r(x) - E log(1 - D_r(G(z))), L_G = -E log D_r(G(z)));
  the "Binary GAN" baseline of Kavalerov et al. 2020 (K+1 GANs) §3.
  """

  required_heads = ("adv_logits",)
  conditional_generator = False

  def __init__(self, *, num_classes: int):
    super().__init__(num_classes=num_classes)

  def discriminator_loss(self, *, real, fake, real_labels, fake_labels):
    return {"d_bce_real": core.bce_real(logits=real.adv_logits),
            "d_bce_fake": core.bce_fake(logits=fake.adv_logits)}

  def generator_loss(self, *, fake, fake_labels):
    return {"g_non_saturating": core.non_saturating_generator(logits=fake.adv_logits)}


@register("cgan")
class ConditionalBinaryFamily(BinaryFamily):
  """The conditional GAN of Mirza & Osindero 2014 ("Conditional Generative Adversarial Nets", arXiv:1411.1784)
  with the non-saturating G loss, as the TensorFlow / PyTorch tutorials train it: the binary GAN's terms on
  D(x, y) and D(G(z, y), y), G conditional. D must read y (`build_discriminator.label_input = True`, or a
  projection head); the tutorial arm of the reproductions (`gin/experiments/mnist_cgan_tutorial_cpu.gin`).
  """

  conditional_generator = True
