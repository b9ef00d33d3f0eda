"""The interface of the eval job's feature extractors: (logits, features) of images, in chunks, one traced function
per channel count (`extractors` loads the Inception and classifier ones, `backbones` the KerasHub ones)."""

import functools
from typing import Tuple

import tensorflow as tf


def typed_first_line(error: BaseException) -> str:
  """`Type: first line of the message` (`tfgan_mh.cli.first_line` gives the message alone): a model-loading error
  names its kind (ImportError, OSError, ...), which the message alone often does not."""
  text = str(error).strip()
  return f"{type(error).__name__}: {text.splitlines()[0]}" if text else type(error).__name__


class FeatureExtractor:
  """(logits, features) of images; subclasses implement `_forward` on one chunk.

  Attributes:
    name: "inception" or "classifier:<path>".
    num_logits: 1008 for TF-GAN's Inception, K for a classifier.
    feature_dim: 2048 for Inception's pool_3, d (penultimate width) for a classifier.
    image_shape: (H, W, C) the model runs at (inputs are resized to it).
    batch_size: examples per chunk of `__call__`.
    resize_method: how inputs reach image_shape (recorded in every eval record's protocol).
  """

  resize_method = "none"

  name: str
  num_logits: int
  feature_dim: int
  image_shape: Tuple[int, int, int]
  batch_size: int

  def __call__(self, images) -> Tuple[tf.Tensor, tf.Tensor]:
    """Logits [B, num_logits] and features [B, feature_dim], float32.

    Args:
      images: float32 NHWC in [-1, 1] (numpy or tensor), any spatial size, 1 or 3 channels.

    Raises:
      ValueError: images not of rank 4, or a channel count the model cannot take.
    """
    images = tf.convert_to_tensor(images)
    if not images.dtype.is_floating:
      raise ValueError(f"{self.name}: images have dtype {images.dtype.name}: expected float32 in [-1, 1] "
                       "(convert uint8 pixels with x / 127.5 - 1)")
    images = tf.cast(images, tf.float32)
    if images.shape.rank != 4 or images.shape[-1] not in self._accepted_channels():
      raise ValueError(f"{self.name}: images have shape {images.shape}: expected [B, H, W, C] with C in "
                       f"{self._accepted_channels()}")
    n = images.shape[0]
    if n is None or n <= self.batch_size:
      return self._forward(images)
    chunks = [self._forward(images[i:i + self.batch_size]) for i in range(0, n, self.batch_size)]
    return tf.concat([c[0] for c in chunks], 0), tf.concat([c[1] for c in chunks], 0)

  def _accepted_channels(self) -> Tuple[int, ...]:
    return (1, 3)

  def _forward(self, images: tf.Tensor) -> Tuple[tf.Tensor, tf.Tensor]:
    # One traced function per channel count; each relaxes to any batch / spatial size after a retrace.
    channels = int(images.shape[-1])
    if channels not in self._forward_fns:
      self._forward_fns[channels] = tf.function(functools.partial(self._forward_graph, channels=channels),
                                                reduce_retracing=True, autograph=False)
    return self._forward_fns[channels](images)

  def _forward_graph(self, images: tf.Tensor, channels: int) -> Tuple[tf.Tensor, tf.Tensor]:
    raise NotImplementedError

  def __repr__(self):
    return (f"{type(self).__name__}(name={self.name!r}, num_logits={self.num_logits}, "
            f"feature_dim={self.feature_dim}, image_shape={self.image_shape})")
