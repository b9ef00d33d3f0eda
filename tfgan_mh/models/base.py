"""Base classes fixing the call contract of every generator and discriminator.

Generator:      G(z [B, z_dim], labels [B] int or None, training) -> samples [B, *image_shape] float32
Discriminator:  D(x [B, *image_shape], labels [B] int or None, training) -> DiscOutput (float32 heads)

A conditional generator also takes class weights [B, K] float in place of integer labels: row b mixes the
class conditioning (the one-hot input, the conditional-BN gain and bias) as sum_k w_bk * (class k's), so
a one-hot row gives exactly the sample of that class and (1 - t) e_a + t e_b interpolates the class
embedding from class a to class b (`tfgan_mh.inspection.interpolate_classes`). Integer labels [B] are
unchanged.

Both return float32 also under a mixed bfloat16 policy. Keras 3 model subclasses; variables are created
on the first call (the trainer calls both once under `strategy.scope()`).
"""

from typing import Optional, Sequence

import keras
import tensorflow as tf

from tfgan_mh.models.heads import DiscHeads
from tfgan_mh.models.outputs import DiscOutput


class BuiltOnFirstCall:
  """For a layer or model whose sub-layers are made in `__init__` and that has no variables of its own: it is
  built by its first call, each sub-layer when that call first reaches it.

  Without a `build` method Keras 3 first traces `call` on symbolic inputs to build the sub-layers
  (`compute_output_spec`), and again at every nesting level below: building the BigGAN MNIST generator by
  calling it took 2.2 s, its second call 0.15 s (2-core AVX2 EPYC). The variables are the same, made in the
  same order (the goldens of `tests/training/test_families.py` and the networks' checkpoints hold).
  """

  def build(self, input_shape):
    del input_shape  # the sub-layers build themselves on their first call


class LatentInput:
  """The input contract of a generator of latents G(z, y), shared with hand-written generators: what G
  transforms in a train step (`source`), its shape (`source_shape`), and `takes_images` False (an
  image-to-image G(x, c), `models.translation`, says True and takes the real batch)."""

  takes_images = False

  def source_shape(self, batch: int):
    """The shape of what G transforms for `batch` examples: latents [batch, z_dim]."""
    return [batch, self.z_dim]

  def source(self, z, real_images):
    """What G transforms in a train step: the latents `z` (not the real batch)."""
    del real_images
    return z


class Generator(BuiltOnFirstCall, LatentInput, keras.Model):
  """A generator G(z, labels) with attributes `z_dim`, `num_classes`, `conditional`, `image_shape`.

  Subclasses implement `forward(z, labels, training)`; `labels` is None when unconditional, int class ids
  [B], or class weights [B, K] float (see the module docstring; `one_hot_concat` and the conditional
  `BatchNorm` take both).

  Raises (at call):
    ValueError: labels missing for a conditional generator, or given to an unconditional one; class
      weights whose last dimension is not num_classes.
  """

  def __init__(self, *, z_dim: int, num_classes: int, conditional: bool, image_shape, **kwargs):
    super().__init__(**kwargs)
    self.z_dim = int(z_dim)
    self.num_classes = int(num_classes)
    self.conditional = bool(conditional)
    self.image_shape = tuple(int(d) for d in image_shape)

  def call(self, z, labels=None, training=False):
    if self.conditional and labels is None:
      raise ValueError(f"{self.name} is a conditional generator: call it with labels [B] in "
                       f"[0, {self.num_classes})")
    if not self.conditional and labels is not None:
      raise ValueError(f"{self.name} is an unconditional generator (conditional=False): call it with "
                       "labels=None")
    if z.shape[-1] is not None and z.shape[-1] != self.z_dim:
      raise ValueError(f"{self.name}: z has {z.shape[-1]} dims, expected z_dim={self.z_dim}")
    if labels is not None and is_class_weights(labels) and labels.shape[-1] != self.num_classes:
      raise ValueError(f"{self.name}: class weights have shape {labels.shape}, expected [B, "
                       f"num_classes={self.num_classes}] (or int labels [B])")
    x = self.forward(z, labels, training)
    return tf.cast(x, tf.float32)

  def forward(self, z, labels, training):
    raise NotImplementedError


class Discriminator(BuiltOnFirstCall, keras.Model):
  """D(x, labels) -> DiscOutput from features phi(x) [B, F] and `DiscHeads`.

  Subclasses implement `features(x, training) -> [B, F]`. Labels reach the projection head, and with
  `label_input` the input itself: one_hot(y) concatenated to x (as K constant channels of an image), the
  conditional GAN of Mirza & Osindero 2014 ("Conditional Generative Adversarial Nets", arXiv:1411.1784) and of
  the TensorFlow / Keras tutorials. Heads that do not use labels ignore them.

  Attributes:
    heads: tuple of head names. num_classes: K. uses_labels: whether D reads labels (projection head or
      label input); the trainer passes them only then.
  """

  def __init__(self, *, heads: Sequence[str], num_classes: int, image_shape,
               spectral_norm_heads: bool = True, label_input: bool = False, **kwargs):
    super().__init__(**kwargs)
    self.heads = tuple(heads)
    self.num_classes = int(num_classes)
    self.image_shape = tuple(int(d) for d in image_shape)
    self.label_input = bool(label_input)
    self.head = DiscHeads(self.heads, num_classes, spectral_norm=spectral_norm_heads, name="heads")

  @property
  def uses_labels(self) -> bool:
    return self.label_input or "projection" in self.heads

  def call(self, x, labels: Optional[tf.Tensor] = None, training=False) -> DiscOutput:
    if self.label_input:
      x = self._concat_labels(x, labels)
    phi = self.features(x, training)  # [B, F]
    return self.head(phi, labels, training=training)

  def _concat_labels(self, x, labels):
    """[x, one_hot(y)] along the last axis; for images one_hot(y) is broadcast to every pixel."""
    if labels is None:
      raise ValueError(f"{self.name} reads the label at its input (label_input=True): call it with labels [B] "
                       f"in [0, {self.num_classes})")
    onehot = one_hot_concat(tf.zeros([tf.shape(x)[0], 0], x.dtype), labels, self.num_classes, x.dtype)  # [B, K]
    if len(x.shape) == 4:
      onehot = tf.broadcast_to(onehot[:, None, None, :], tf.concat([tf.shape(x)[:3], [self.num_classes]], 0))
    return tf.concat([x, onehot], axis=-1)

  def features(self, x, training):
    raise NotImplementedError


def reads_labels(discriminator) -> bool:
  """Whether a discriminator reads labels: its `uses_labels` (`Discriminator`), else (any Keras model with
  `heads`) whether it has a projection head."""
  uses = getattr(discriminator, "uses_labels", None)
  return bool(uses) if uses is not None else "projection" in tuple(getattr(discriminator, "heads", ()))


def build_by_calling(generator, discriminator=None, batch: int = 2):
  """Creates the variables of G (and D) by calling them once in inference mode: G on zeros of its input
  (`source_shape`) with class 0 when it is conditional, D on G's output with class 0 when it reads labels.
  Returns D's output (None without D): the heads a discriminator really produces."""
  labels = tf.zeros([batch], tf.int32)
  fake = generator(tf.zeros(generator.source_shape(batch)), labels if getattr(generator, "conditional", False)
                   else None, training=False)
  if discriminator is None:
    return None
  return discriminator(fake, labels if reads_labels(discriminator) else None, training=False)


def tracked(owner, name: str, layers):
  """Returns `layers` as a list after making each one the attribute `<name>_<i>` of `owner`.

  Keras 3.15 (TF backend) keeps a Python list of layers as a `TrackedList` that `tf.train.Checkpoint`
  does not see (it is converted for SavedModel only), so weights reachable only through a list are
  silently left out of checkpoints. Attributes are checkpoint children; Keras de-duplicates the
  layers, so `model.variables` lists each weight once.
  """
  layers = list(layers)
  for i, layer in enumerate(layers):
    setattr(owner, f"{name}_{i}", layer)
  return layers


def is_class_weights(labels) -> bool:
  """True for class weights [B, K] (rank 2), False for class ids [B]."""
  return getattr(labels, "shape", None) is not None and len(labels.shape) == 2


def one_hot_concat(z, labels, num_classes, dtype):
  """[z, one_hot(y)]: the class input of the DCGAN generator of Zhou et al. 2018 (AM-GAN), App. F (noise
  100 | 110).

  Class weights [B, K] take the place of one_hot(y) as they are (a mixture of the classes' inputs).
  """
  if labels is None:
    return tf.cast(z, dtype)
  if is_class_weights(labels):
    onehot = tf.cast(labels, dtype)  # [B, K]
  else:
    onehot = tf.one_hot(tf.cast(labels, tf.int32), num_classes, dtype=dtype)  # [B, K]
  return tf.concat([tf.cast(z, dtype), onehot], axis=-1)
