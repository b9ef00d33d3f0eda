"""The image-to-image translation generator G(x, c) of Sapkota et al. 2022 (AAM) §4 (StarGAN's
architecture).

    G(x [B, H, W, C], c [B] target domain, training) -> [B, H, W, C] in [-1, 1]

The target domain enters as in StarGAN (Choi et al. 2018, [5] of the AAM paper): its one-hot vector, replicated
over the H x W positions, is concatenated to the image channels. Then (StarGAN's G, Table 4 of its appendix):

    conv 7x7, ch, stride 1            -> IN -> ReLU
    `num_down` x  conv 4x4, stride 2, doubling the channels      -> IN -> ReLU
    `num_res` x   residual block: conv 3x3 -> IN -> ReLU -> conv 3x3 -> IN, plus the input
    `num_down` x  transposed conv 4x4, stride 2, halving the channels -> IN -> ReLU
    conv 7x7 to C channels            -> tanh

IN is instance normalisation with a learned scale and offset (`keras.layers.GroupNormalization` with one
group per channel, epsilon 1e-5 as PyTorch's InstanceNorm2d). The convolutions before an IN have no bias
(it would be removed by the normalisation). StarGAN uses ch=64, 2 downsamplings, 6 residual blocks at
128 px; CPU configs use fewer channels and blocks (gin/experiments/mnist_translation_*.gin).

Like the other generators it also takes class weights [B, K] for c (a one-hot row is exactly that domain).
Attributes: `takes_images` (True: the trainer feeds images, not latents: `source`, `source_shape`),
`num_classes`, `conditional`
(True), `image_shape`, `z_dim` (0: there is no latent).
"""

import keras
import tensorflow as tf

from tfgan_mh.models.base import BuiltOnFirstCall, is_class_weights
from tfgan_mh.models.base import tracked


def _norm(name):
  return keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)


class _ResidualBlock(BuiltOnFirstCall, keras.layers.Layer):
  """x + IN(conv(ReLU(IN(conv(x))))) with 3x3 convolutions of `channels` filters."""

  def __init__(self, channels: int, **kwargs):
    super().__init__(**kwargs)
    self.conv1 = keras.layers.Conv2D(channels, 3, padding="same", use_bias=False, name="conv1")
    self.norm1 = _norm("norm1")
    self.conv2 = keras.layers.Conv2D(channels, 3, padding="same", use_bias=False, name="conv2")
    self.norm2 = _norm("norm2")

  def call(self, x):
    h = tf.nn.relu(self.norm1(self.conv1(x)))
    return x + self.norm2(self.conv2(h))


class TranslationGenerator(BuiltOnFirstCall, keras.Model):
  """G(x, c): encoder -> residual blocks -> decoder, target domain concatenated to the input (module doc).

  Args:
    image_shape: (H, W, C) of the images; H and W divisible by 2 ** num_down.
    num_classes: number of domains K.
    ch: channels of the first convolution (64 in StarGAN).
    num_down: stride-2 downsamplings (and upsamplings) (2 in StarGAN).
    num_res: residual blocks at the bottleneck (6 in StarGAN).
  """

  takes_images = True  # G(x, c): the trainer feeds it the real batch, not latents (models.base.Generator)

  def source_shape(self, batch: int):
    """The shape of what G transforms for `batch` examples: images [batch, H, W, C]."""
    return [batch, *self.image_shape]

  def source(self, z, real_images):
    """What G transforms in a train step: the real images (their target domains are the step's fake labels)."""
    del z
    return real_images

  def __init__(self, *, image_shape, num_classes: int, ch: int = 64, num_down: int = 2, num_res: int = 6,
               **kwargs):
    super().__init__(**kwargs)
    self.image_shape = tuple(int(d) for d in image_shape)
    self.num_classes = int(num_classes)
    self.conditional = True
    self.z_dim = 0
    h, w, c = self.image_shape
    if h % (2 ** num_down) or w % (2 ** num_down):
      raise ValueError(f"translation generator: image_shape {self.image_shape} is not divisible by "
                       f"2**num_down={2 ** num_down}; use a smaller num_down or resize the data")
    self.stem = keras.layers.Conv2D(ch, 7, padding="same", use_bias=False, name="stem")
    self.stem_norm = _norm("stem_norm")
    # `tracked`: layers held in a list must also be attributes, or tf.train.Checkpoint leaves them out.
    self.down = tracked(self, "down", [keras.layers.Conv2D(ch * 2 ** (i + 1), 4, strides=2, padding="same",
                                                           use_bias=False, name=f"down{i}") for i in range(num_down)])
    self.down_norms = tracked(self, "down_norm", [_norm(f"down{i}_norm") for i in range(num_down)])
    self.blocks = tracked(self, "res", [_ResidualBlock(ch * 2 ** num_down, name=f"res{i}") for i in range(num_res)])
    self.up = tracked(self, "up", [keras.layers.Conv2DTranspose(ch * 2 ** (num_down - i - 1), 4, strides=2,
                                                                padding="same", use_bias=False, name=f"up{i}")
                                   for i in range(num_down)])
    self.up_norms = tracked(self, "up_norm", [_norm(f"up{i}_norm") for i in range(num_down)])
    self.head = keras.layers.Conv2D(c, 7, padding="same", name="to_image")

  def call(self, x, labels=None, training=False):
    del training  # instance normalisation: the same computation in training and inference
    if labels is None:
      raise ValueError(f"{self.name} translates to a target domain: call it with labels [B] in "
                       f"[0, {self.num_classes})")
    if x.shape.rank != 4 or tuple(x.shape[1:]) != self.image_shape:
      raise ValueError(f"{self.name}: input images have shape {tuple(x.shape)}, expected [B, "
                       f"{', '.join(map(str, self.image_shape))}]")
    x = tf.cast(x, self.compute_dtype)
    c = (tf.cast(labels, x.dtype) if is_class_weights(labels)
         else tf.one_hot(tf.cast(labels, tf.int32), self.num_classes, dtype=x.dtype))  # [B, K]
    c = tf.broadcast_to(c[:, None, None, :], tf.concat([tf.shape(x)[:3], [self.num_classes]], 0))
    h = tf.nn.relu(self.stem_norm(self.stem(tf.concat([x, c], -1))))
    for conv, norm in zip(self.down, self.down_norms):
      h = tf.nn.relu(norm(conv(h)))
    for block in self.blocks:
      h = block(h)
    for conv, norm in zip(self.up, self.up_norms):
      h = tf.nn.relu(norm(conv(h)))
    return tf.cast(tf.tanh(self.head(h)), tf.float32)
