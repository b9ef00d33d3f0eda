"""MAGAN networks, shared/papers/004 Appendix B: DCGAN-like generators, auto-encoder (energy) discriminators.

Notation of 004 App. B: FC(n) fully connected, CV(n, kcs) convolution, DC(n, kcs) deconvolution
(fractional-strided), k x k kernel, stride s.

  MNIST (28x28x1, B.1):  D  Input-FC(256)-FC(256)-FC(784), ReLU inside.
                         G  Input-DC(128, 7c1s)-DC(64, 4c2s)-DC(1, 4c2s), ReLU inside; Nz = 50.
  CIFAR-10 (32x32x3, B.2.1):
                         D  CV(64,3c1s)-CV(128,3c2s)-CV(128,3c1s)-CV(256,3c2s)-CV(256,3c1s)-CV(512,3c2s)-
                            DC(256,3c2s)-DC(256,3c1s)-DC(128,3c2s)-DC(128,3c1s)-DC(64,3c2s)-DC(3,3c1s)
                         G  DC(512,4c1s)-DC(256,3c2s)-DC(256,3c1s)-DC(128,3c2s)-DC(128,3c1s)-DC(64,3c2s)-
                            DC(3,3c1s); Nz = 320.
  CelebA (64x64x3, B.2): D  CV(64,4c2s)-CV(128,4c2s)-CV(256,4c2s)-CV(512,4c2s)-DC(256,4c2s)-DC(128,4c2s)-
                            DC(64,4c2s)-DC(3,4c2s)
                         G  DC(512,4c1s)-DC(256,4c2s)-DC(128,4c2s)-DC(64,4c2s)-DC(3,4c2s); Nz = 350.
  Conv D and G of CIFAR-10 / CelebA: LeakyReLU inside D, ReLU inside G. No batch norm, no spectral
  norm (004 §4: "requires no other techniques such as batch normalization").

The first generator layer maps z, seen as a 1x1 map, with a VALID deconvolution (1 -> k). Output layers
use tanh on the project's [-1, 1] pixels (004 uses sigmoid on [0, 1] pixels for MNIST: the same up to
the affine map between the ranges).

The discriminator's output is the per-sample energy ||Dec(Enc(x)) - x||_2 (Euclidean norm over all
pixels, float32); `features` is the flattened encoder output (the code).
"""

import keras
import tensorflow as tf

from tfgan_mh.models.base import Generator, one_hot_concat, tracked
from tfgan_mh.models.outputs import DiscOutput
from tfgan_mh.models.spectral import SNConv2D, SNConv2DTranspose, SNDense

# resolution -> G layers (filters, kernel, stride); the first is the VALID 1 -> k deconvolution, the
# last one has the image channels.
G_SPECS = {
    28: [(128, 7, 1), (64, 4, 2), ("C", 4, 2)],
    32: [(512, 4, 1), (256, 3, 2), (256, 3, 1), (128, 3, 2), (128, 3, 1), (64, 3, 2), ("C", 3, 1)],
    64: [(512, 4, 1), (256, 4, 2), (128, 4, 2), (64, 4, 2), ("C", 4, 2)],
}
Z_DIMS = {28: 50, 32: 320, 64: 350}  # Nz of 004 App. B
# resolution -> (encoder CV layers, decoder DC layers) for the conv auto-encoders.
AE_SPECS = {
    32: ([(64, 3, 1), (128, 3, 2), (128, 3, 1), (256, 3, 2), (256, 3, 1), (512, 3, 2)],
         [(256, 3, 2), (256, 3, 1), (128, 3, 2), (128, 3, 1), (64, 3, 2), ("C", 3, 1)]),
    64: ([(64, 4, 2), (128, 4, 2), (256, 4, 2), (512, 4, 2)],
         [(256, 4, 2), (128, 4, 2), (64, 4, 2), ("C", 4, 2)]),
}
SUPPORTED = (28, 32, 64)
_LEAK = 0.2


class MAGANGenerator(Generator):
  """004 App. B generator chosen by resolution (28: MNIST, 32: CIFAR-10, 64: CelebA).

  Args:
    image_shape: (R, R, C), R in 28, 32, 64.
    num_classes: K.
    conditional: concatenate one_hot(y) to z (MAGAN itself is unconditional).
    z_dim: Nz (None: 50 / 320 / 350 as in 004).
  """

  def __init__(self, *, image_shape, num_classes: int, conditional: bool = False, z_dim=None,
               **kwargs):
    r = int(image_shape[0])
    super().__init__(z_dim=z_dim or Z_DIMS[r], num_classes=num_classes, conditional=conditional,
                     image_shape=image_shape, **kwargs)
    c = self.image_shape[-1]
    self.deconvs = tracked(self, "dc", [
        SNConv2DTranspose(c if f == "C" else f, k, strides=s, padding="VALID" if i == 0 else "SAME",
                          spectral_norm=False, name=f"dc{i}")
        for i, (f, k, s) in enumerate(G_SPECS[r])])

  def forward(self, z, labels, training):
    h = one_hot_concat(z, labels, self.num_classes, self.compute_dtype)
    h = h[:, None, None, :]  # [B, 1, 1, Nz]
    for i, dc in enumerate(self.deconvs):
      h = dc(h, training=training)
      if i < len(self.deconvs) - 1:
        h = tf.nn.relu(h)
    return tf.tanh(tf.cast(h, tf.float32))  # [B, R, R, C]


class MAGANAutoEncoderDiscriminator(keras.Model):
  """Energy discriminator of 004: D(x) = ||Dec(Enc(x)) - x||_2 per sample (heads = ("energy",)).

  Args:
    image_shape: (28, 28, 1) for the fully connected MNIST auto-encoder; (32, 32, C) / (64, 64, C) for
      the convolutional CIFAR-10 / CelebA ones.
    num_classes: K (unused by the energy head; kept for the common interface).
    heads: ("energy",).
  """

  def __init__(self, *, image_shape, num_classes: int, heads=("energy",), **kwargs):
    super().__init__(**kwargs)
    self.heads = tuple(heads)
    self.num_classes = int(num_classes)
    self.image_shape = tuple(int(d) for d in image_shape)
    r, c = self.image_shape[0], self.image_shape[-1]
    self.fully_connected = r == 28
    if self.fully_connected:
      n = r * r * c
      self.encoder = tracked(self, "enc", [SNDense(256, spectral_norm=False, name="fc0")])
      self.decoder = tracked(self, "dec", [SNDense(256, spectral_norm=False, name="fc1"),
                                           SNDense(n, spectral_norm=False, name="fc2")])
    else:
      enc, dec = AE_SPECS[r]
      self.encoder = tracked(self, "enc", [
          SNConv2D(f, k, strides=s, spectral_norm=False, name=f"cv{i}")
          for i, (f, k, s) in enumerate(enc)])
      self.decoder = tracked(self, "dec", [
          SNConv2DTranspose(c if f == "C" else f, k, strides=s, spectral_norm=False, name=f"dc{i}")
          for i, (f, k, s) in enumerate(dec)])

  def reconstruct(self, x, training=False):
    """(reconstruction [B, *image_shape] float32, code [B, F] float32)."""
    act = tf.nn.relu if self.fully_connected else (lambda t: tf.nn.leaky_relu(t, _LEAK))
    h = tf.cast(x, self.compute_dtype)
    if self.fully_connected:
      h = tf.reshape(h, [-1, h.shape[1] * h.shape[2] * h.shape[3]])  # [B, 784]
    for layer in self.encoder:
      h = act(layer(h, training=training))
    code = tf.reshape(tf.cast(h, tf.float32), [-1, h.shape[1:].num_elements()])  # [B, F]
    for i, layer in enumerate(self.decoder):
      h = layer(h, training=training)
      if i < len(self.decoder) - 1:
        h = act(h)
    recon = tf.reshape(tf.tanh(tf.cast(h, tf.float32)), [-1, *self.image_shape])
    return recon, code

  def call(self, x, labels=None, training=False) -> DiscOutput:
    del labels  # the energy does not depend on the class
    recon, code = self.reconstruct(x, training=training)
    diff = tf.reshape(recon - tf.cast(x, tf.float32), [tf.shape(recon)[0], -1])  # [B, N]
    energy = tf.sqrt(tf.reduce_sum(tf.square(diff), axis=1) + 1e-12)  # [B]
    return DiscOutput(energy=energy, features=code)
