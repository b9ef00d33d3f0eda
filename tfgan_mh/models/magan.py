"""MAGAN networks, Appendix B of Wang et al. 2017 (MAGAN): DCGAN-like generators, auto-encoder (energy)
discriminators.

Notation of MAGAN App. B: FC(n) fully connected, CV(n, kcs) convolution, DC(n, kcs) deconvolution
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
  norm (MAGAN §4: "requires no other techniques such as batch normalization").

The first generator layer maps z, seen as a 1x1 map, with a VALID deconvolution (1 -> k).

Pixels and energy, by default as the authors' code (RuohanW/magan, gan_release.py / nn_utils.py) defines
them, since the MAGAN paper's margins (EBGAN m = 10, MAGAN's final 1.08 on MNIST) are in those units:
  * `pixels="unit"`: the networks work on [0, 1] pixels with sigmoid outputs on G and on the auto-encoder.
    The rest of the project keeps [-1, 1] images, so the map between the ranges sits at the networks'
    boundary: G returns 2 sigmoid(h) - 1, the auto-encoder reads u = (x + 1) / 2 and reconstructs u.
    `pixels="tanh"` works on [-1, 1] with tanh outputs (this project's earlier definition).
  * `energy="squared_sum"`: D(x) = sum over pixels of (Dec(Enc(u)) - u)^2, no square root, on the [0, 1]
    scale. `energy="l2_norm"` is ||Dec(Enc(x)) - x||_2 (MAGAN Eq. (1) read literally; the earlier default).
  * Initialisation as PrettyTensor's defaults in that code: He normal (std sqrt(2 / fan_in)) before a
    ReLU / leaky ReLU, Glorot uniform before the sigmoid / tanh output.
Both classes are gin-configurable (`MAGANGenerator.pixels`, `MAGANAutoEncoderDiscriminator.energy`, ...).
`features` of the discriminator is the flattened encoder output (the code).
"""

import gin
import keras
import tensorflow as tf

from tfgan_mh.models.base import BuiltOnFirstCall, Generator, one_hot_concat, tracked
from tfgan_mh.models.outputs import DiscOutput
from tfgan_mh.models.spectral import SNConv2D, SNConv2DTranspose, SNDense

# resolution -> G layers (filters, kernel, stride); the first is the VALID 1 -> k deconvolution, the
# last one has the image channels.
G_SPECS = {
    28: [(128, 7, 1), (64, 4, 2), ("C", 4, 2)],
    32: [(512, 4, 1), (256, 3, 2), (256, 3, 1), (128, 3, 2), (128, 3, 1), (64, 3, 2), ("C", 3, 1)],
    64: [(512, 4, 1), (256, 4, 2), (128, 4, 2), (64, 4, 2), ("C", 4, 2)],
}
Z_DIMS = {28: 50, 32: 320, 64: 350}  # Nz of MAGAN App. B
# resolution -> (encoder CV layers, decoder DC layers) for the conv auto-encoders.
AE_SPECS = {
    32: ([(64, 3, 1), (128, 3, 2), (128, 3, 1), (256, 3, 2), (256, 3, 1), (512, 3, 2)],
         [(256, 3, 2), (256, 3, 1), (128, 3, 2), (128, 3, 1), (64, 3, 2), ("C", 3, 1)]),
    64: ([(64, 4, 2), (128, 4, 2), (256, 4, 2), (512, 4, 2)],
         [(256, 4, 2), (128, 4, 2), (64, 4, 2), ("C", 4, 2)]),
}
SUPPORTED = (28, 32, 64)
_LEAK = 0.2
PIXELS = ("unit", "tanh")
ENERGIES = ("squared_sum", "l2_norm")
_HIDDEN_INIT = "he_normal"  # PrettyTensor's default before ReLU (authors' code)
_OUTPUT_INIT = "glorot_uniform"  # ... and before the sigmoid output


def _check_choice(what, value, valid):
  if value not in valid:
    raise ValueError(f"{what}={value!r}: expected one of {', '.join(valid)}")


def _init(i, n):
  return _OUTPUT_INIT if i == n - 1 else _HIDDEN_INIT


def _output(h, pixels):
  """Last activation on the network's own pixel scale: sigmoid on [0, 1], tanh on [-1, 1]."""
  h = tf.cast(h, tf.float32)
  return tf.sigmoid(h) if pixels == "unit" else tf.tanh(h)


@gin.configurable(denylist=["image_shape", "num_classes", "conditional", "z_dim"])
class MAGANGenerator(Generator):
  """MAGAN App. B generator chosen by resolution (28: MNIST, 32: CIFAR-10, 64: CelebA).

  Args:
    image_shape: (R, R, C), R in 28, 32, 64.
    num_classes: K.
    conditional: concatenate one_hot(y) to z (MAGAN itself is unconditional).
    z_dim: Nz (None: 50 / 320 / 350 as in the MAGAN paper).
    pixels: "unit" (sigmoid output on [0, 1], mapped to [-1, 1] on the way out; the authors' code) or
      "tanh" (tanh output on [-1, 1]).
  """

  def __init__(self, *, image_shape, num_classes: int, conditional: bool = False, z_dim=None,
               pixels: str = "unit", **kwargs):
    _check_choice("MAGANGenerator.pixels", pixels, PIXELS)
    r = int(image_shape[0])
    super().__init__(z_dim=z_dim or Z_DIMS[r], num_classes=num_classes, conditional=conditional,
                     image_shape=image_shape, **kwargs)
    self.pixels = pixels
    c = self.image_shape[-1]
    n = len(G_SPECS[r])
    self.deconvs = tracked(self, "dc", [
        SNConv2DTranspose(c if f == "C" else f, k, strides=s, padding="VALID" if i == 0 else "SAME",
                          spectral_norm=False, kernel_initializer=_init(i, n), name=f"dc{i}")
        for i, (f, k, s) in enumerate(G_SPECS[r])])

  def forward(self, z, labels, training):
    h = one_hot_concat(z, labels, self.num_classes, self.compute_dtype)
    h = h[:, None, None, :]  # [B, 1, 1, Nz]
    for i, dc in enumerate(self.deconvs):
      h = dc(h, training=training)
      if i < len(self.deconvs) - 1:
        h = tf.nn.relu(h)
    out = _output(h, self.pixels)  # [B, R, R, C]
    return 2.0 * out - 1.0 if self.pixels == "unit" else out  # the project's [-1, 1] images


@gin.configurable(denylist=["image_shape", "num_classes", "heads"])
class MAGANAutoEncoderDiscriminator(BuiltOnFirstCall, keras.Model):
  """Energy discriminator of MAGAN: the per-sample reconstruction error of an auto-encoder (heads ("energy",)).

  Args:
    image_shape: (28, 28, 1) for the fully connected MNIST auto-encoder; (32, 32, C) / (64, 64, C) for
      the convolutional CIFAR-10 / CelebA ones.
    num_classes: K (unused by the energy head; kept for the common interface).
    heads: ("energy",).
    pixels: "unit" (reads u = (x + 1) / 2, sigmoid reconstruction of u; the authors' code) or "tanh".
    energy: "squared_sum" (sum of squared errors; the authors' code) or "l2_norm" (its square root).
  """

  def __init__(self, *, image_shape, num_classes: int, heads=("energy",), pixels: str = "unit",
               energy: str = "squared_sum", **kwargs):
    super().__init__(**kwargs)
    _check_choice("MAGANAutoEncoderDiscriminator.pixels", pixels, PIXELS)
    _check_choice("MAGANAutoEncoderDiscriminator.energy", energy, ENERGIES)
    self.pixels, self.energy_kind = pixels, energy
    self.heads = tuple(heads)
    self.num_classes = int(num_classes)
    self.image_shape = tuple(int(d) for d in image_shape)
    r, c = self.image_shape[0], self.image_shape[-1]
    self.fully_connected = r == 28
    if self.fully_connected:
      n = r * r * c
      self.encoder = tracked(self, "enc", [SNDense(256, spectral_norm=False, kernel_initializer=_HIDDEN_INIT,
                                                   name="fc0")])
      self.decoder = tracked(self, "dec", [
          SNDense(256, spectral_norm=False, kernel_initializer=_HIDDEN_INIT, name="fc1"),
          SNDense(n, spectral_norm=False, kernel_initializer=_OUTPUT_INIT, name="fc2")])
    else:
      enc, dec = AE_SPECS[r]
      self.encoder = tracked(self, "enc", [
          SNConv2D(f, k, strides=s, spectral_norm=False, kernel_initializer=_HIDDEN_INIT, name=f"cv{i}")
          for i, (f, k, s) in enumerate(enc)])
      self.decoder = tracked(self, "dec", [
          SNConv2DTranspose(c if f == "C" else f, k, strides=s, spectral_norm=False,
                            kernel_initializer=_init(i, len(dec)), name=f"dc{i}")
          for i, (f, k, s) in enumerate(dec)])

  @property
  def uses_labels(self) -> bool:
    """False: the energy is unconditional (`tfgan_mh.models.base.reads_labels`)."""
    return False

  def to_own_pixels(self, x):
    """[-1, 1] images -> the pixels this auto-encoder reconstructs ([0, 1] for "unit"), float32."""
    x = tf.cast(x, tf.float32)
    return (x + 1.0) * 0.5 if self.pixels == "unit" else x

  def reconstruct(self, x, training=False):
    """(reconstruction [B, *image_shape] float32 on the AE's own pixel scale, code [B, F] float32).

    x: [-1, 1] images (mapped by `to_own_pixels` first).
    """
    act = tf.nn.relu if self.fully_connected else (lambda t: tf.nn.leaky_relu(t, _LEAK))
    h = tf.cast(self.to_own_pixels(x), self.compute_dtype)
    if self.fully_connected:
      h = tf.reshape(h, [-1, h.shape[1] * h.shape[2] * h.shape[3]])  # [B, 784]
    for layer in self.encoder:
      h = act(layer(h, training=training))
    code = tf.reshape(tf.cast(h, tf.float32), [-1, h.shape[1:].num_elements()])  # [B, F]
    for i, layer in enumerate(self.decoder):
      h = layer(h, training=training)
      if i < len(self.decoder) - 1:
        h = act(h)
    recon = tf.reshape(_output(h, self.pixels), [-1, *self.image_shape])
    return recon, code

  def call(self, x, labels=None, training=False) -> DiscOutput:
    del labels  # the energy does not depend on the class
    recon, code = self.reconstruct(x, training=training)
    diff = tf.reshape(recon - self.to_own_pixels(x), [tf.shape(recon)[0], -1])  # [B, N]
    energy = tf.reduce_sum(tf.square(diff), axis=1)  # [B] authors' code: nn_utils.batch_l2_loss
    if self.energy_kind == "l2_norm":
      energy = tf.sqrt(energy + 1e-12)  # ||Dec(Enc(x)) - x||_2
    return DiscOutput(energy=energy, features=code)
