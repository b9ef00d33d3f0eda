"""Small MLPs for the 2-D ring of Gaussians (image_shape = (2,)) of Kavalerov et al. 2020 (K+1 GANs) §3.1,
Fig. 1.

The K+1 GANs paper does not list its ring networks; these are the usual toy GAN MLPs: three hidden layers of 128
units. G: ReLU, linear output (the ring's raw coordinates lie in (0, 4) x (-1, 5), not [-1, 1], so no
tanh); class input by one_hot(y) concatenated to z. D: spectrally normalized layers, LeakyReLU, phi =
last hidden layer [B, 128] -> heads. The D also reads images, flattened: with MAGAN's generator it is the 28 px
tutorial cGAN's D (gin/experiments/mnist28_cgan_tutorial.gin).
"""

from typing import Sequence

import tensorflow as tf

from tfgan_mh.models.base import Discriminator, Generator, one_hot_concat, tracked
from tfgan_mh.models.spectral import SNDense


class MLPGenerator(Generator):
  """G(z, y) = MLP([z, one_hot(y)]) -> [B, D] (linear output).

  Args:
    image_shape: (D,).
    num_classes: K.
    conditional: use labels.
    z_dim: latent size.
    hidden: hidden layer widths.
    label_every_layer: also concatenate one_hot(y) to the input of every later hidden layer and of the output
      layer (conditional only), not only to z.
  """

  def __init__(self, *, image_shape, num_classes: int, conditional: bool = True, z_dim: int = 16,
               hidden: Sequence[int] = (128, 128, 128), label_every_layer: bool = False, **kwargs):
    super().__init__(z_dim=z_dim, num_classes=num_classes, conditional=conditional,
                     image_shape=image_shape, **kwargs)
    self.label_every_layer = bool(label_every_layer) and conditional
    self.hidden = tracked(self, "fc", [SNDense(u, spectral_norm=False, name=f"fc{i}")
                                       for i, u in enumerate(hidden)])
    # float32 output layer: bf16 would round the ring's coordinates to ~2 significant digits.
    self.out = SNDense(self.image_shape[0], spectral_norm=False, name="fc_out", dtype="float32")

  def forward(self, z, labels, training):
    h = one_hot_concat(z, labels, self.num_classes, self.compute_dtype)  # [B, z_dim (+K)]
    for i, layer in enumerate(self.hidden):
      if i and self.label_every_layer:
        h = one_hot_concat(h, labels, self.num_classes, self.compute_dtype)  # [B, width + K]
      h = tf.nn.relu(layer(h, training=training))
    if self.label_every_layer:
      h = one_hot_concat(h, labels, self.num_classes, self.compute_dtype)
    return self.out(h, training=training)  # [B, D]


class MLPDiscriminator(Discriminator):
  """phi(x) = MLP(x) [B, hidden[-1]] -> heads, spectrally normalized unless `spectral_norm=False`.

  Args:
    image_shape: (D,), or an image shape (H, W, C) read flattened (`call`).
    num_classes: K.
    heads: validated head names.
    hidden: hidden layer widths.
    spectral_norm: spectrally normalize the hidden layers and the heads. With it D is 1-Lipschitz in x, so on
      the ring (neighbouring means 0.62 apart, std 0.3, the whole ring 2 across) its logits can change by
      about 2 over the data while the hinge and Crammer-Singer losses ask for margins of 1 between
      neighbouring classes (results/ring_default.md).
  """

  def __init__(self, *, image_shape, num_classes: int, heads: Sequence[str],
               hidden: Sequence[int] = (128, 128, 128), spectral_norm: bool = True, **kwargs):
    super().__init__(heads=heads, num_classes=num_classes, image_shape=image_shape,
                     spectral_norm_heads=spectral_norm, **kwargs)
    self.hidden = tracked(self, "fc", [SNDense(u, spectral_norm=spectral_norm, name=f"fc{i}")
                                       for i, u in enumerate(hidden)])

  def call(self, x, labels=None, training=False):
    """Images [B, H, W, C] are read as flat vectors [B, H * W * C]; with `label_input` one_hot(y) is then
    joined to them (K inputs, not K constant channels)."""
    if len(x.shape) > 2:
      x = tf.reshape(x, [-1, x.shape[1:].num_elements()])
    return super().call(x, labels, training=training)

  def features(self, x, training):
    h = x
    for layer in self.hidden:
      h = tf.nn.leaky_relu(layer(h, training=training), 0.2)
    return tf.cast(h, tf.float32)  # [B, F]
