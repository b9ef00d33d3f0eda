"""The relativistic pairing GAN (RpGAN), the loss of R3GAN.

Jolicoeur-Martineau 2019, "The relativistic discriminator: a key element missing from standard GAN"
(arXiv:1807.00734), RpGAN; Huang, Gokaslan, Kuleshov & Tompkin 2024, "The GAN is dead; long live the GAN! A Modern
GAN Baseline" (arXiv:2501.05441, R3GAN), Eq. (2) with f(t) = -softplus(-t), and their code's per-example form:

  D: softplus(D(G(z_i)) - D(x_i))        G: softplus(D(x_i) - D(G(z_i)))

each generated example i paired with the real example i of the same replica batch. The loss alone does not
converge locally; R3GAN adds the zero-centred R1 and R2 penalties (`gradient_penalty.r1_gamma`, `.r2_gamma`,
`tfgan_mh.training.penalties`), as `gin/experiments/mnist_rpgan_cpu.gin` does.

Class-conditional here as every family of this library: D(x, y) is the projection discriminator's output (or any
adversarial head), real pairs (x_i, y_i) drawn from the data and generated pairs (G(z_i, y'_i), y'_i) with the
trainer's fake labels, so the pairing is between the joint distributions of (image, label); R3GAN's code
generates each fake with its pair's real label instead.
"""

import tensorflow as tf

from tfgan_mh.losses import core
from tfgan_mh.losses.family import LossFamily, register


@register("rpgan")
class RelativisticPairingFamily(LossFamily):
  """RpGAN (module docstring): D's and G's terms compare each generated example with its paired real one."""

  required_heads = ("adv_logits",)
  conditional_generator = True
  generator_needs = ("real",)  # D on the real batch, in G's step

  def __init__(self, *, num_classes: int):
    super().__init__(num_classes=num_classes)

  def discriminator_loss(self, *, real, fake, real_labels, fake_labels):
    return {"d_rp": core.bce_real(logits=_difference(real, fake))}  # softplus(D(G(z)) - D(x))

  def generator_loss(self, *, fake, fake_labels, real):
    return {"g_rp": core.bce_real(logits=_difference(fake, real))}  # softplus(D(x) - D(G(z)))


def _difference(first, second):
  """[B] D(first_i) - D(second_i), float32."""
  return tf.cast(first.adv_logits, tf.float32) - tf.cast(second.adv_logits, tf.float32)
