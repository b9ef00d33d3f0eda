"""The `DataSource` contract and the pipeline steps every source shares.

A source yields `(images, labels)` batches for `strategy.distribute_datasets_from_function`:
  images  float32 `[b, *image_shape]`, in [-1, 1] for pictures (the 2-D ring yields raw coordinates),
  labels  int32 `[b]` in `[0, num_classes)`,
with `b = input_context.get_per_replica_batch_size(global_batch_size)` and `drop_remainder=True`, so every
shape is static (TPU). Each input pipeline reads a disjoint shard of the split
(`input_pipeline_id` of `num_input_pipelines`) in a fixed order, so the same `seed` gives the same batches.
In-memory sources train on global batches that do not depend on the topology (`slice_global_batches`):
every pipeline shuffles the same index stream and keeps its slice of each global batch, so one process and
N workers see the same examples at each step (TFDS sources shard by element instead: too large to shuffle
one index stream per host).

Resizing: `resize_images` uses area (box) averaging when shrinking — the filter the downsampled-ImageNet
data (`imagenet_resized`, Chrabaszcz et al. 2017) was made with; it does not alias the way plain bilinear
does at a 2-4x reduction — and bilinear when enlarging.
"""

import math
from typing import Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf

AUTOTUNE = tf.data.AUTOTUNE
SPLITS = ("train", "validation", "test")


def per_replica_batch_size(input_context: Optional[tf.distribute.InputContext],
                           global_batch_size: int) -> int:
  """The batch one pipeline yields: the per-replica share of `global_batch_size` (all of it without a context).

  Raises:
    ValueError: `global_batch_size` is not a positive multiple of the number of replicas.
  """
  if isinstance(global_batch_size, bool) or not isinstance(global_batch_size, (int, np.integer)) \
      or global_batch_size <= 0:
    raise ValueError(f"global_batch_size={global_batch_size!r}: expected a positive int")
  if input_context is None:
    return int(global_batch_size)
  replicas = input_context.num_replicas_in_sync
  if global_batch_size % replicas:
    raise ValueError(f"global_batch_size={global_batch_size} is not divisible by the {replicas} replicas "
                     "in sync: use a multiple of the replica count")
  return input_context.get_per_replica_batch_size(global_batch_size)


def shard(ds: tf.data.Dataset, input_context: Optional[tf.distribute.InputContext]) -> tf.data.Dataset:
  """Keeps every `num_input_pipelines`-th element starting at `input_pipeline_id` (disjoint shards)."""
  if input_context is None or input_context.num_input_pipelines == 1:
    return ds
  return ds.shard(input_context.num_input_pipelines, input_context.input_pipeline_id)


def slice_global_batches(ds: tf.data.Dataset, input_context: Optional[tf.distribute.InputContext],
                         per_replica_batch: int) -> tf.data.Dataset:
  """Keeps this pipeline's contiguous slice of every global batch of an (identical on every pipeline) stream.

  Pipeline p of P serves replicas p*R .. (p+1)*R - 1 (R = replicas / P), so it keeps elements
  [p*R*b, (p+1)*R*b) of each global batch of replicas*b elements: the global batch of a step is the same for
  any number of pipelines. Identity without a context or with one pipeline.
  """
  if input_context is None or input_context.num_input_pipelines == 1:
    return ds
  pipelines, replicas = input_context.num_input_pipelines, input_context.num_replicas_in_sync
  if replicas % pipelines:
    raise ValueError(f"{replicas} replicas do not divide into {pipelines} input pipelines")
  share = per_replica_batch * replicas // pipelines
  begin = input_context.input_pipeline_id * share
  return ds.batch(per_replica_batch * replicas, drop_remainder=True).map(
      lambda idx: idx[begin:begin + share]).unbatch()


def pipeline_seed(seed: int, input_context: Optional[tf.distribute.InputContext]) -> int:
  """A per-pipeline seed: pipelines shuffle and flip independently, reproducibly."""
  pid = 0 if input_context is None else input_context.input_pipeline_id
  return int(seed) * 1_000_003 + pid


def to_unit_range(images: tf.Tensor) -> tf.Tensor:
  """uint8 pixels [0, 255] -> float32 [-1, 1]; float images are taken to be in [-1, 1] already."""
  if images.dtype == tf.uint8:
    return tf.cast(images, tf.float32) / 127.5 - 1.0
  return tf.cast(images, tf.float32)


def resize_images(images: tf.Tensor, size: Sequence[int]) -> tf.Tensor:
  """Resizes `[..., H, W, C]` to `size` = (h, w): area averaging to shrink, bilinear to enlarge.

  Returns float32 in the input's value units (no rescaling); the input unchanged (cast) if already that size.
  """
  h, w = images.shape[-3], images.shape[-2]
  images = tf.cast(images, tf.float32)
  size = tuple(int(s) for s in size)
  if (h, w) == size:
    return images
  if h is not None and w is not None:
    shrink = h >= size[0] and w >= size[1]
    return tf.image.resize(images, size, method="area" if shrink else "bilinear")
  dynamic = tf.shape(images)
  return tf.cond(tf.logical_and(dynamic[-3] >= size[0], dynamic[-2] >= size[1]),
                 lambda: tf.image.resize(images, size, method="area"),
                 lambda: tf.image.resize(images, size, method="bilinear"))


def center_crop(image: tf.Tensor, crop: Optional[Tuple[int, int]] = None) -> tf.Tensor:
  """Central crop of one `[H, W, C]` image: `crop` = (h, w), or the largest central square when None."""
  shape = tf.shape(image)
  if crop is None:
    side = tf.minimum(shape[0], shape[1])
    crop = (side, side)
  top = (shape[0] - crop[0]) // 2
  left = (shape[1] - crop[1]) // 2
  return image[top:top + crop[0], left:left + crop[1], :]


def random_flip(ds: tf.data.Dataset, seed: int) -> tf.data.Dataset:
  """Flips each image of each `(images [b,H,W,C], labels)` batch left-right with probability 1/2.

  Stateless: the flip pattern of batch n depends only on (seed, n), so it is reproducible and survives
  iterator checkpoints.
  """
  def flip(n, batch):
    images, labels = batch
    images = tf.image.stateless_random_flip_left_right(images, seed=tf.stack([tf.constant(seed, tf.int64), n]))
    return images, labels
  return tf.data.Dataset.zip((tf.data.Dataset.counter(), ds)).map(flip, num_parallel_calls=AUTOTUNE)


def finalize(ds: tf.data.Dataset) -> tf.data.Dataset:
  """Deterministic element order (same seed, same batches) and prefetch."""
  options = tf.data.Options()
  options.deterministic = True
  return ds.with_options(options).prefetch(AUTOTUNE)


def check_split(split: str, available: Sequence[str], source: str) -> None:
  if split not in available:
    raise ValueError(f"split={split!r} is not available for source {source!r}: valid splits are "
                     f"{', '.join(repr(s) for s in available)}")


def check_labels(labels: np.ndarray, num_classes: int, where: str) -> None:
  """Raises ValueError naming the first label outside [0, num_classes)."""
  labels = np.asarray(labels)
  bad = np.flatnonzero((labels < 0) | (labels >= num_classes))
  if bad.size:
    raise ValueError(f"label {labels[bad[0]]} at index {bad[0]} of {where} is outside [0, {num_classes}): "
                     f"labels must be class ids 0..{num_classes - 1}")


def check_image_array(images: np.ndarray, where: str, channels: Optional[int] = None) -> np.ndarray:
  """Validates an image array `[N, H, W, C]` (or `[N, H, W]`, taken as one channel) and returns it NHWC.

  Raises:
    ValueError: wrong rank, or a channel count other than `channels` (when given) or 1 / 3.
  """
  if images.ndim == 3:
    images = images[..., None]
  if images.ndim != 4:
    raise ValueError(f"images of {where} have shape {images.shape} (rank {images.ndim}): expected "
                     "[N, H, W, C] or [N, H, W]")
  valid = (channels,) if channels else (1, 3)
  if images.shape[-1] not in valid:
    raise ValueError(f"images of {where} have {images.shape[-1]} channels (shape {images.shape}): expected "
                     f"{' or '.join(str(c) for c in valid)} channels in the last axis (NHWC)")
  return images


class DataSource:
  """A dataset with its class count and example shape, and `tf.data` input functions over it.

  Attributes:
    name: the `build_source` name.
    num_classes: K; labels are in [0, K).
    image_shape: (H, W, C) for images, (2,) for the ring.
    num_examples: labeled training examples (None if unknown).
    semi_supervised: whether `unlabeled_input_fn` is available.
    class_names: K names in label order (image folders, TFDS ClassLabel names, MNIST / Fashion-MNIST), or
      None when the data has none (pictures then say "class k").
  """

  name: str
  num_classes: int
  image_shape: Tuple[int, ...]
  num_examples: Optional[int] = None
  semi_supervised: bool = False
  class_names: Optional[Tuple[str, ...]] = None

  def input_fn(self, input_context: Optional[tf.distribute.InputContext] = None, *, global_batch_size: int,
               split: str = "train", training: bool = True, seed: int = 0) -> tf.data.Dataset:
    """Labeled batches for one input pipeline.

    Args:
      input_context: from `distribute_datasets_from_function`, or None (one pipeline, whole batch).
      global_batch_size: examples per step over all replicas.
      split: "train", "validation" or "test" (see the source for which exist).
      training: True: shuffle with `seed`, random flip if configured, repeat forever. False: one pass in
        file order, no shuffle or flip (the last partial batch is dropped).
      seed: shuffle / flip seed; the same seed gives the same batches.

    Returns:
      Dataset of (images float32 [b, *image_shape], labels int32 [b]).
    """
    raise NotImplementedError

  def class_counts(self) -> np.ndarray:
    """[K] int64: labeled training examples per class (the data's p_d up to normalisation)."""
    raise NotImplementedError

  def unlabeled_input_fn(self, input_context: Optional[tf.distribute.InputContext] = None, *,
                         global_batch_size: int, seed: int = 0) -> tf.data.Dataset:
    """Images only, shuffled and repeated, for semi-supervised training: float32 [b, *image_shape]."""
    raise ValueError(f"source {self.name!r} is not semi-supervised: build it with labeled_fraction "
                     "(e.g. 0.1) or use 'imagenet2012_subset_10pct' to get an unlabeled stream")

  def __repr__(self):
    return (f"{type(self).__name__}(name={self.name!r}, num_classes={self.num_classes}, "
            f"image_shape={self.image_shape}, num_examples={self.num_examples})")


def per_class_subset(labels: np.ndarray, fraction: float, num_classes: int, seed: int) -> np.ndarray:
  """Indices of a labeled subset keeping `fraction` of every class (the 10 % split of the MHGAN paper §3.3).

  Class c with n_c examples keeps round(fraction * n_c) of them (half rounds up; at least one when
  n_c > 0), drawn uniformly without replacement with `seed`.

  Returns:
    Sorted int64 indices into `labels`.
  """
  if not 0.0 < fraction <= 1.0:
    raise ValueError(f"labeled_fraction={fraction!r}: expected a fraction in (0, 1], e.g. 0.1")
  rng = np.random.default_rng(seed)
  labels = np.asarray(labels)
  keep = []
  for c in range(num_classes):
    members = np.flatnonzero(labels == c)
    if members.size:
      k = max(1, int(math.floor(fraction * members.size + 0.5)))
      keep.append(rng.choice(members, size=k, replace=False))
  return np.sort(np.concatenate(keep)).astype(np.int64) if keep else np.zeros([0], np.int64)
