"""ADC-GAN: the auxiliary discriminative classifier of Hou, Cao, Shen, Pan, Li & Cheng 2022, "Conditional GANs with
Auxiliary Discriminative Classifier" (ICML 2022, arXiv:2107.10060), Eq. (6)-(7), with the hinge GAN.

The classifier C_d of D tells 2K classes apart: "real, of class k" and "generated, of class k" (the `adc` head:
`class_logits` and `fake_class_logits`, softmax over both halves together). D learns it as a classifier:

  D: hinge + lambda * [CE_2K(x_real, real y) + CE_2K(G(z, y), generated y)]
  G: hinge + lambda * [CE_2K(G(z, y), real y) - CE_2K(G(z, y), generated y)]

so G is pulled towards "real, of class y" and away from "generated, of class y" — unlike AC-GAN, whose
classifier also learns from generated images and can be satisfied by easy-to-classify samples (the paper's
argument, §3). As PyTorch-StudioGAN's ACGAN-Mod-Big-ADC.yaml: hinge on an unconditional adversarial head,
cond_lambda 1.0.
"""

import tensorflow as tf

from tfgan_mh.losses import core
from tfgan_mh.losses.family import LossFamily, _check_nonnegative, register


def adc_cross_entropy(*, class_logits, fake_class_logits, labels, generated: bool):
  """[B] float32 cross-entropy of the 2K-way classifier at "real, class y" (generated=False) or "generated,
  class y" (generated=True)."""
  real_half, fake_half = tf.cast(class_logits, tf.float32), tf.cast(fake_class_logits, tf.float32)
  target = tf.gather(fake_half if generated else real_half, tf.cast(labels, tf.int32), axis=1, batch_dims=1)
  return tf.reduce_logsumexp(tf.concat([real_half, fake_half], axis=1), axis=1) - target


@register("adcgan")
class ADCGANFamily(LossFamily):
  """ADC-GAN (module docstring): hinge on D's adversarial head plus lambda times the 2K-way classifier terms."""

  required_heads = ("adv_logits", "class_logits", "fake_class_logits")
  conditional_generator = True

  def __init__(self, *, num_classes: int, cond_lambda: float = 1.0):
    super().__init__(num_classes=num_classes)
    _check_nonnegative(self.name, "cond_lambda", cond_lambda)
    self.cond_lambda = float(cond_lambda)

  def _ce(self, out, labels, generated):
    return self.cond_lambda * adc_cross_entropy(class_logits=out.class_logits,
                                                fake_class_logits=out.fake_class_logits, labels=labels,
                                                generated=generated)

  def discriminator_loss(self, *, real, fake, real_labels, fake_labels):
    return {"d_hinge_real": core.hinge_real(logits=real.adv_logits),
            "d_hinge_fake": core.hinge_fake(logits=fake.adv_logits),
            "d_adc_real": self._ce(real, real_labels, generated=False),
            "d_adc_fake": self._ce(fake, fake_labels, generated=True)}

  def generator_loss(self, *, fake, fake_labels):
    return {"g_hinge": core.hinge_generator(logits=fake.adv_logits),
            "g_adc_real": self._ce(fake, fake_labels, generated=False),
            "g_adc_not_generated": -self._ce(fake, fake_labels, generated=True)}
