"""The modified DCGAN of Zhou et al. 2018 (AM-GAN), Appendix F ("Network Structure & Hyper-Parameters").

Generator (32 x 32): noise 100 (| 110 = noise + one-hot class when class-conditional) -> Linear 4x4x768
-> BN, LeakyReLU -> Deconv 3x3/2 384 -> Deconv 3x3/2 192 -> Deconv 3x3/2 96 (each BN, LeakyReLU)
-> Deconv 3x3/1 C -> tanh.

Discriminator: Gaussian input noise (std 0.1) -> Conv 3x3/1 64 -> 3x3/2 128 -> 3x3/2 256 -> 3x3/2 512
-> Conv* 3x3/1 512 (AM-GAN: "only used for class condition experiments") -> average pool -> phi [B, 512],
each conv LeakyReLU with dropout 0.3; the final Linear of the AM-GAN paper (10 | 11 | 12 outputs) is the head
(`kplus1` for LabelGAN / AM-GAN, `adversarial` + `classifier` for AC-GAN*).

Deviation from the AM-GAN paper, documented: it uses weight normalization on every weight and BN in D; here D
uses the project's spectral norm instead of both (the trainer feeds real and fake in one D batch, where
batch statistics would mix them), and G keeps BN with plain (not weight-normalized) weights.
"""

from typing import Sequence

import tensorflow as tf

from tfgan_mh.models import noise
from tfgan_mh.models.base import Discriminator, Generator, one_hot_concat, tracked
from tfgan_mh.models.layers import BatchNorm
from tfgan_mh.models.spectral import SNConv2D, SNConv2DTranspose, SNDense

SUPPORTED = (32,)
_LEAK = 0.2


class DCGANGenerator(Generator):
  """AM-GAN App. F generator; widths (8, 4, 2, 1) * ch with ch = 96 (768, 384, 192, 96).

  Args:
    image_shape: (32, 32, C).
    num_classes: K.
    conditional: concatenate one_hot(y) to z (the AM-GAN paper's "110" input).
    z_dim: 100 in the AM-GAN paper.
    ch: width multiplier (96 in the AM-GAN paper).
    spectral_norm: spectrally normalize G's layers (off in the AM-GAN paper).
  """

  def __init__(self, *, image_shape, num_classes: int, conditional: bool = True, z_dim: int = 100,
               ch: int = 96, spectral_norm: bool = False, **kwargs):
    super().__init__(z_dim=z_dim, num_classes=num_classes, conditional=conditional,
                     image_shape=image_shape, **kwargs)
    sn = spectral_norm
    self.init_ch = 8 * ch
    self.linear = SNDense(4 * 4 * self.init_ch, spectral_norm=sn, name="linear")
    self.bns = tracked(self, "bn", [BatchNorm(None, name=f"bn{i}") for i in range(4)])
    self.deconvs = tracked(self, "deconv", [
        SNConv2DTranspose(m * ch, 3, strides=2, spectral_norm=sn, name=f"deconv{i}")
        for i, m in enumerate((4, 2, 1))])
    self.conv_out = SNConv2DTranspose(self.image_shape[-1], 3, strides=1, spectral_norm=sn,
                                      name="deconv_out")

  def forward(self, z, labels, training):
    h = one_hot_concat(z, labels, self.num_classes, self.compute_dtype)  # [B, z_dim (+K)]
    h = tf.reshape(self.linear(h, training=training), [-1, 4, 4, self.init_ch])
    h = tf.nn.leaky_relu(self.bns[0](h, training=training), _LEAK)
    for bn, deconv in zip(self.bns[1:], self.deconvs):
      h = tf.nn.leaky_relu(bn(deconv(h, training=training), training=training), _LEAK)
    return tf.tanh(tf.cast(self.conv_out(h, training=training), tf.float32))  # [B, 32, 32, C]


class DCGANDiscriminator(Discriminator):
  """AM-GAN App. F discriminator with SN convs; phi = average-pooled last conv [B, 8 * ch].

  Args:
    image_shape: (32, 32, C).
    num_classes: K.
    heads: validated head names.
    ch: width multiplier (64 in the AM-GAN paper: 64, 128, 256, 512, 512).
    input_noise: std of the Gaussian noise added to inputs in training (0.1 in the AM-GAN paper).
    dropout: dropout rate after each conv in training (0.3 in the AM-GAN paper).
    extra_conv: the Conv* layer of the AM-GAN paper (class-condition experiments).
    spectral_norm: spectrally normalize the convs and heads (False: plain weights, the tutorials' cGAN).
  """

  def __init__(self, *, image_shape, num_classes: int, heads: Sequence[str], ch: int = 64,
               input_noise: float = 0.1, dropout: float = 0.3, extra_conv: bool = True,
               spectral_norm: bool = True, **kwargs):
    super().__init__(heads=heads, num_classes=num_classes, image_shape=image_shape,
                     spectral_norm_heads=spectral_norm, **kwargs)
    self.input_noise = input_noise
    self.dropout = dropout
    spec = [(1, 1), (2, 2), (4, 2), (8, 2)] + ([(8, 1)] if extra_conv else [])
    self.convs = tracked(self, "conv", [SNConv2D(m * ch, 3, strides=s, spectral_norm=spectral_norm,
                                                  name=f"conv{i}") for i, (m, s) in enumerate(spec)])

  def features(self, x, training):
    h = tf.cast(x, self.compute_dtype)
    if training and self.input_noise:
      h = noise.gaussian_noise(h, self.input_noise)
    for conv in self.convs:
      h = tf.nn.leaky_relu(conv(h, training=training), _LEAK)
      if training and self.dropout:
        h = noise.dropout(h, self.dropout)
    return tf.reduce_mean(tf.cast(h, tf.float32), axis=[1, 2])  # [B, 8ch]
