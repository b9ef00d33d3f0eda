"""`ArraySource`: a source held in memory as numpy arrays (local files, the synthetic ring).

The pipeline shuffles example *indices* (a full shuffle, cheap) and gathers whole batches from the arrays,
so the per-example work is one gather: fast on a CPU, deterministic, and checkpointable (the iterator
state is the index stream, not the images).
"""

from typing import Callable, Dict, Optional, Tuple

import numpy as np
import tensorflow as tf

from tfgan_mh import cpu
from tfgan_mh.data import pipeline

# (images, labels) of one split: images uint8 [N, H, W, C] pixels, or float32 already in final units
# ([-1, 1] for pictures, raw coordinates for the ring); labels int32 [N].
Arrays = Tuple[np.ndarray, np.ndarray]


class ArraySource(pipeline.DataSource):
  """Examples in numpy arrays, one loader per split (called once, on first use)."""

  def __init__(self, *, name: str, num_classes: int, loaders: Dict[str, Callable[[], Arrays]],
               train: Optional[Arrays] = None, random_flip: bool = False,
               labeled_fraction: Optional[float] = None, labeled_split_seed: int = 0):
    """Args:
      name: source name.
      num_classes: K.
      loaders: split name -> function returning that split's arrays (validated).
      train: the already-loaded train arrays (they fix `image_shape`); loaded from `loaders` if None.
      random_flip: flip images left-right at random when training.
      labeled_fraction: keep this fraction of every class labeled (semi-supervised); None = all labeled.
      labeled_split_seed: which examples are labeled (independent of the shuffle seed).
    """
    self.name = name
    self.num_classes = int(num_classes)
    self._loaders = dict(loaders)
    self._cache: Dict[str, Arrays] = {}
    train = train if train is not None else self._loaders["train"]()
    self._cache["train"] = train
    self.image_shape = tuple(int(d) for d in train[0].shape[1:])
    if random_flip and len(self.image_shape) != 3:
      raise ValueError(f"random_flip=True needs images [H, W, C]; source {name!r} yields examples of shape "
                       f"{self.image_shape}")
    self._random_flip = random_flip
    self.semi_supervised = labeled_fraction is not None
    self._labeled = (pipeline.per_class_subset(train[1], labeled_fraction, self.num_classes,
                                               labeled_split_seed) if self.semi_supervised else None)
    self.num_examples = len(self._labeled) if self.semi_supervised else len(train[1])

  def arrays(self, split: str = "train") -> Arrays:
    """The (images, labels) arrays of a split, as stored (labeled subset not applied)."""
    pipeline.check_split(split, tuple(self._loaders), self.name)
    if split not in self._cache:
      self._cache[split] = self._loaders[split]()
    return self._cache[split]

  def class_counts(self) -> np.ndarray:
    labels = self.arrays("train")[1]
    if self._labeled is not None:
      labels = labels[self._labeled]
    return np.bincount(labels, minlength=self.num_classes)[:self.num_classes].astype(np.int64)

  @property
  def labeled_indices(self) -> Optional[np.ndarray]:
    """Indices of the labeled training examples when semi-supervised, else None."""
    return self._labeled

  def _batches(self, indices, images, labels, input_context, batch, training, seed, with_labels=True):
    ds = tf.data.Dataset.from_tensor_slices(indices)
    if training:  # one shuffled stream on every pipeline, each keeping its slice of the global batches
      ds = ds.shuffle(len(indices), seed=pipeline.pipeline_seed(seed, None), reshuffle_each_iteration=True)
      ds = pipeline.slice_global_batches(ds.repeat(), input_context, batch)
    else:  # evaluation: disjoint shards in file order
      ds = pipeline.shard(ds, input_context)
    ds = ds.batch(batch, drop_remainder=True)
    images_t = tf.constant(images)
    labels_t = tf.constant(labels, tf.int32)

    def gather(idx):
      return pipeline.to_unit_range(tf.gather(images_t, idx)), tf.gather(labels_t, idx)  # [b, ...], [b]

    ds = ds.map(gather, num_parallel_calls=pipeline.AUTOTUNE)
    if training and self._random_flip:
      ds = pipeline.random_flip(ds, pipeline.pipeline_seed(seed, input_context))
    if not with_labels:
      ds = ds.map(lambda x, y: x)
    return pipeline.finalize(ds)

  def input_fn(self, input_context=None, *, global_batch_size, split="train", training=True, seed=0):
    batch = pipeline.per_replica_batch_size(input_context, global_batch_size)
    images, labels = self.arrays(split)
    if split == "train" and self._labeled is not None:
      indices = self._labeled
    else:
      indices = np.arange(len(labels), dtype=np.int64)
    return self._batches(indices, images, labels, input_context, batch, training, seed)

  def unlabeled_input_fn(self, input_context=None, *, global_batch_size, seed=0):
    if not self.semi_supervised:
      return super().unlabeled_input_fn(input_context, global_batch_size=global_batch_size, seed=seed)
    batch = pipeline.per_replica_batch_size(input_context, global_batch_size)
    images, labels = self.arrays("train")
    # Unlabeled stream = every training image (labeled ones included, their labels dropped), as in the
    # semi-supervised ImageNet setting of the MHGAN paper §3.3 (imagenet2012 train as the unlabeled set).
    indices = np.arange(len(labels), dtype=np.int64)
    return self._batches(indices, images, labels, input_context, batch, True, seed + 7919, with_labels=False)


def prepare_images(images: np.ndarray, where: str, *, channels: Optional[int] = None,
                   resolution: Optional[int] = None, pixel_range: Optional[Tuple[float, float]] = None
                   ) -> np.ndarray:
  """Validates image arrays and brings them to the stored form of `ArraySource`.

  Args:
    images: [N, H, W, C] or [N, H, W]; uint8 pixels or floats.
    where: what the array is, for error messages.
    channels: required channel count (None: 1 or 3).
    resolution: resize to resolution x resolution (area to shrink, bilinear to enlarge), None = keep.
    pixel_range: (lo, hi) of float images; None: uint8 -> (0, 255); floats -> (0, 1) if they fit, else
      (-1, 1) if they fit, else (0, 255) if they fit.

  Returns:
    uint8 [N, H', W', C] pixels (uint8 input) or float32 [N, H', W', C] in [-1, 1].
  """
  images = pipeline.check_image_array(np.asarray(images), where, channels)
  if images.dtype != np.uint8:
    images = images.astype(np.float32)
    bad = int(np.size(images) - np.count_nonzero(np.isfinite(images)))
    if bad:
      raise ValueError(f"float images of {where} hold {bad} NaN / inf pixel values (of {np.size(images)}): "
                       "expected finite pixels")
    lo, hi = float(images.min()), float(images.max())
    if pixel_range is None:
      for candidate in ((0.0, 1.0), (-1.0, 1.0), (0.0, 255.0)):
        if candidate[0] <= lo and hi <= candidate[1]:
          pixel_range = candidate
          break
      else:
        raise ValueError(f"float images of {where} span [{lo}, {hi}]: expected pixel values in [0, 1], "
                         "[-1, 1] or [0, 255], or give their range (gin: build_source.pixel_range = (lo, hi))")
    images = (images - pixel_range[0]) / (pixel_range[1] - pixel_range[0]) * 2.0 - 1.0
  if resolution is not None and images.shape[1:3] != (resolution, resolution):
    _check_resize_fits(len(images), resolution, images.shape[-1], where)
    chunks = []
    for start in range(0, len(images), 4096):
      chunks.append(pipeline.resize_images(tf.constant(images[start:start + 4096]),
                                           (resolution, resolution)).numpy())
    resized = np.concatenate(chunks) if chunks else np.zeros((0, resolution, resolution, images.shape[-1]))
    images = (np.clip(np.round(resized), 0, 255).astype(np.uint8) if images.dtype == np.uint8
              else resized.astype(np.float32))
  return images


def _check_resize_fits(num: int, resolution: int, channels: int, where: str) -> None:
  """ValueError (one line) when the resized float32 images alone exceed the host memory available."""
  need = num * resolution * resolution * channels * 4
  available = cpu.available_bytes()
  if available is not None and need > available:
    raise ValueError(f"resolution={resolution}: the {num} images of {where} resized to {resolution}x{resolution}x"
                     f"{channels} need at least {need / 2**30:.3g} GiB and {available / 2**30:.3g} GiB is "
                     "available: expected a resolution the networks take, e.g. 32 or 64 (gin: "
                     "build_source.resolution)")


def prepare_labels(labels: np.ndarray, num_images: int, num_classes: Optional[int], where: str):
  """Validates labels [N] against the images and [0, num_classes); returns (int32 labels, num_classes).

  num_classes None: read from the data as max(label) + 1.
  """
  labels = np.asarray(labels)
  if labels.ndim == 2 and labels.shape[1] == 1:
    labels = labels[:, 0]
  if labels.ndim != 1 or not (np.issubdtype(labels.dtype, np.integer) or
                              np.all(np.equal(np.mod(labels, 1), 0))):
    raise ValueError(f"labels of {where} have shape {labels.shape} and dtype {labels.dtype}: expected "
                     "integer class ids of shape [N]")
  if len(labels) != num_images:
    raise ValueError(f"{where} has {num_images} images but {len(labels)} labels: expected one label per image")
  labels = labels.astype(np.int64)
  if num_classes is None:
    if labels.size and labels.min() < 0:
      pipeline.check_labels(labels, int(labels.max()) + 1, where)
    num_classes = int(labels.max()) + 1 if labels.size else 0
  pipeline.check_labels(labels, num_classes, where)
  if num_classes < 1:
    raise ValueError(f"{where} has no labeled examples: expected at least one image")
  return labels.astype(np.int32), int(num_classes)
