"""TFDS sources: MNIST, Fashion-MNIST, CIFAR-10/100, CelebA-5, ImageNet at 64 / 128, semi-supervised ImageNet.

Data is never downloaded: the builder reads prepared TFDS data under `data_dir` (`download=False`
semantics: only `builder.as_dataset`, never `download_and_prepare`), and a missing dataset is a one-line
ValueError saying how to point `data_dir` at prepared data or which local source to use instead.

Reading: each split is read in file order (TFDS shuffles examples when it writes them), sharded per input
pipeline by example, shuffled with a seeded buffer *before* image decoding (the buffer holds encoded
bytes), then decoded, cropped, resized and scaled to [-1, 1] per example. Every host reads the whole
split and keeps its shard: right for one host (a v3-8); for multi-host pods, file-level sharding
(`tfds.ReadConfig(input_context=...)`) would read less.
"""

import dataclasses
from typing import Callable, Dict, Optional

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from tfgan_mh.data import celeb_a
from tfgan_mh.data import pipeline

LOCAL_ALTERNATIVES = "mnist_idx, fashion_mnist_idx, npz, image_folder"
_TEST_AS_VALIDATION = {"train": "train", "validation": "test", "test": "test"}
_TRAIN_VALIDATION = {"train": "train", "validation": "validation"}


@dataclasses.dataclass(frozen=True)
class TfdsSpec:
  """How one `build_source` name reads TFDS.

  Attributes:
    tfds_name: TFDS dataset (and config) name.
    splits: our split name -> TFDS split.
    resolution: default output side (None: the dataset's native size).
    fixed_resolution: the name itself fixes the resolution (e.g. imagenet2012_64).
    crop: None, "square" (largest central square, ImageNet) or (h, w) (central crop).
    label_fn: example -> int32 label (default: example["label"]).
    num_classes: K when `label_fn` defines its own classes (default: the TFDS ClassLabel's).
    unlabeled_tfds_name: dataset whose train images form the unlabeled stream (semi-supervised).
  """
  tfds_name: str
  splits: Dict[str, str]
  resolution: Optional[int] = None
  fixed_resolution: bool = False
  crop: object = None
  label_fn: Optional[Callable] = None
  num_classes: Optional[int] = None
  unlabeled_tfds_name: Optional[str] = None


def _celeb_a_label(example):
  return celeb_a.celeb_a_5_class(example["landmarks"], example["attributes"])


TFDS_SPECS = {
    "mnist": TfdsSpec("mnist", _TEST_AS_VALIDATION),
    "fashion_mnist": TfdsSpec("fashion_mnist", _TEST_AS_VALIDATION),
    "cifar10": TfdsSpec("cifar10", _TEST_AS_VALIDATION),
    "cifar100": TfdsSpec("cifar100", _TEST_AS_VALIDATION),
    # 002 §3.1: CelebA at 64 x 64 with the background cropped, 5 classes from attributes + landmarks.
    "celeb_a_5": TfdsSpec("celeb_a", {"train": "train", "validation": "validation", "test": "test"},
                          resolution=64, crop=(celeb_a.CROP, celeb_a.CROP), label_fn=_celeb_a_label,
                          num_classes=celeb_a.NUM_CLASSES),
    "imagenet2012_64": TfdsSpec("imagenet2012", _TRAIN_VALIDATION, 64, True, "square"),
    "imagenet2012_128": TfdsSpec("imagenet2012", _TRAIN_VALIDATION, 128, True, "square"),  # 000 §3
    "imagenet_resized_64": TfdsSpec("imagenet_resized/64x64", _TRAIN_VALIDATION, 64, True),
    # 000 §3.3: 10 % of each class labeled (TFDS imagenet2012_subset/10pct), imagenet2012 unlabeled, 128 x 128.
    "imagenet2012_subset_10pct": TfdsSpec("imagenet2012_subset/10pct", _TRAIN_VALIDATION, 128, False, "square",
                                          unlabeled_tfds_name="imagenet2012"),
}


def _missing_data_error(tfds_name, data_dir, err):
  return ValueError(
      f"TFDS dataset {tfds_name!r} is not prepared under data_dir={data_dir!r} and will not be downloaded "
      f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}): pass data_dir pointing at "
      f"prepared TFDS data (tfds build {tfds_name} on a machine with network, then copy it), or use a local "
      f"source ({LOCAL_ALTERNATIVES})")


class TfdsSource(pipeline.DataSource):
  """A TFDS dataset as a `DataSource` (see module docstring)."""

  def __init__(self, *, name: str, spec: TfdsSpec, data_dir: Optional[str] = None,
               resolution: Optional[int] = None, random_flip: bool = False,
               labeled_fraction: Optional[float] = None, labeled_split_seed: int = 0,
               shuffle_buffer: int = 10_000):
    self.name = name
    self._spec = spec
    self._data_dir = data_dir
    self._random_flip = random_flip
    if not isinstance(shuffle_buffer, int) or shuffle_buffer < 1:
      raise ValueError(f"shuffle_buffer={shuffle_buffer!r}: expected a positive int")
    self._shuffle_buffer = shuffle_buffer
    if resolution is not None and spec.fixed_resolution and resolution != spec.resolution:
      raise ValueError(f"resolution={resolution} conflicts with source {name!r}, which is {spec.resolution} x "
                       f"{spec.resolution}: drop resolution= or pick the source of that size")
    self._builder = self._make_builder(spec.tfds_name)
    self._read(spec.splits["train"], self._builder)  # fails now, clearly, if the data is absent

    features = self._builder.info.features
    self.num_classes = int(spec.num_classes or features["label"].num_classes)
    if spec.num_classes is None:  # the ClassLabel's classes: its names (MNIST "0".."9", CIFAR-10 "airplane" ...)
      self.class_names = tuple(features["label"].names)
    self._image_feature = features["image"]
    h, w, c = self._image_feature.shape
    if c not in (1, 3):
      raise ValueError(f"TFDS {spec.tfds_name!r} images have {c} channels: expected 1 or 3")
    resolution = resolution if resolution is not None else spec.resolution
    if resolution is None and (h is None or w is None):
      raise ValueError(f"TFDS {spec.tfds_name!r} images have no fixed size: pass resolution=")
    if resolution is not None and (not isinstance(resolution, int) or resolution < 1):
      raise ValueError(f"resolution={resolution!r}: expected a positive int (output side in pixels)")
    self._size = (resolution, resolution) if resolution is not None else (h, w)
    self.image_shape = (*self._size, c)

    self.semi_supervised = labeled_fraction is not None or spec.unlabeled_tfds_name is not None
    if labeled_fraction is not None and spec.unlabeled_tfds_name is not None:
      raise ValueError(f"labeled_fraction={labeled_fraction} with source {name!r}, which is already split "
                       "into a labeled subset and an unlabeled set: drop labeled_fraction")
    self._unlabeled_builder = (self._make_builder(spec.unlabeled_tfds_name)
                               if spec.unlabeled_tfds_name else self._builder)
    if spec.unlabeled_tfds_name:
      self._read("train", self._unlabeled_builder)
    self._labeled_mask = None
    self._class_counts = None
    if labeled_fraction is not None:
      labels = self._all_labels(spec.splits["train"])
      keep = pipeline.per_class_subset(labels, labeled_fraction, self.num_classes, labeled_split_seed)
      mask = np.zeros(len(labels), bool)
      mask[keep] = True
      self._labeled_mask = mask
      self.num_examples = int(len(keep))
    else:
      try:
        self.num_examples = int(self._builder.info.splits[spec.splits["train"]].num_examples) or None
      except (KeyError, ValueError):
        self.num_examples = None

  # --- reading ----------------------------------------------------------------------------------

  def _make_builder(self, tfds_name):
    try:
      return tfds.builder(tfds_name, data_dir=self._data_dir)
    except Exception as err:  # pylint: disable=broad-except  (TFDS raises several kinds)
      raise _missing_data_error(tfds_name, self._data_dir, err) from err

  def _read(self, tfds_split, builder) -> tf.data.Dataset:
    """Examples in file order with the image still encoded (decoded after the shuffle)."""
    try:
      return builder.as_dataset(split=tfds_split, shuffle_files=False,
                                decoders={"image": tfds.decode.SkipDecoding()})
    except (AssertionError, FileNotFoundError, tf.errors.NotFoundError, ValueError) as err:
      raise _missing_data_error(builder.name, self._data_dir, err) from err

  def _label(self, example):
    fn = self._spec.label_fn
    label = tf.cast(fn(example) if fn else example["label"], tf.int32)
    return label

  def class_counts(self) -> np.ndarray:
    """Reads every training label once (images are not decoded; ImageNet: a minute or two)."""
    if self._class_counts is None:
      labels = self._all_labels(self._spec.splits["train"])
      if self._labeled_mask is not None:
        labels = labels[self._labeled_mask]
      self._class_counts = np.bincount(labels, minlength=self.num_classes)[:self.num_classes].astype(np.int64)
    return self._class_counts

  def _all_labels(self, tfds_split) -> np.ndarray:
    ds = self._read(tfds_split, self._builder).map(self._label, num_parallel_calls=pipeline.AUTOTUNE)
    return np.concatenate([b.numpy() for b in ds.batch(8192)] or [np.zeros([0], np.int32)])

  def _image(self, encoded):
    """Encoded image -> float32 [H, W, C] in [-1, 1]: decode, crop, resize."""
    image = self._image_feature.decode_example(encoded)  # [h, w, c] uint8
    crop = self._spec.crop
    if crop == "square":
      image = pipeline.center_crop(image)
    elif crop is not None:
      image = pipeline.center_crop(image, crop)
    image = pipeline.resize_images(image, self._size)  # float32, pixel units
    image = tf.ensure_shape(image, self.image_shape)
    return image / 127.5 - 1.0

  def _labeled_example(self, example):
    label = self._label(example)
    checks = [tf.debugging.assert_non_negative(label, message=f"{self.name}: negative label"),
              tf.debugging.assert_less(label, self.num_classes,
                                       message=f"{self.name}: label >= num_classes={self.num_classes}")]
    with tf.control_dependencies(checks):
      label = tf.identity(label)
    return self._image(example["image"]), label

  def _pipeline(self, ds, map_fn, input_context, batch, training, seed, flip):
    ds = pipeline.shard(ds, input_context)
    pseed = pipeline.pipeline_seed(seed, input_context)
    if training:
      ds = ds.shuffle(self._shuffle_buffer, seed=pseed, reshuffle_each_iteration=True).repeat()
    ds = ds.map(map_fn, num_parallel_calls=pipeline.AUTOTUNE)
    ds = ds.batch(batch, drop_remainder=True)
    if training and flip:
      ds = pipeline.random_flip(ds, pseed)
    return ds

  def input_fn(self, input_context=None, *, global_batch_size, split="train", training=True, seed=0):
    batch = pipeline.per_replica_batch_size(input_context, global_batch_size)
    pipeline.check_split(split, tuple(self._spec.splits), self.name)
    ds = self._read(self._spec.splits[split], self._builder)
    if split == "train" and self._labeled_mask is not None:
      mask = tf.constant(self._labeled_mask)
      ds = ds.enumerate().filter(lambda i, ex: mask[i]).map(lambda i, ex: ex)
    ds = self._pipeline(ds, self._labeled_example, input_context, batch, training, seed, self._random_flip)
    return pipeline.finalize(ds)

  def unlabeled_input_fn(self, input_context=None, *, global_batch_size, seed=0):
    if not self.semi_supervised:
      return super().unlabeled_input_fn(input_context, global_batch_size=global_batch_size, seed=seed)
    batch = pipeline.per_replica_batch_size(input_context, global_batch_size)
    ds = self._read("train", self._unlabeled_builder)
    # Every training image of the unlabeled set (labeled ones included), as in 000 §3.3.
    ds = self._pipeline(ds, lambda ex: (self._image(ex["image"]), 0), input_context, batch, True,
                        seed + 7919, self._random_flip)
    return pipeline.finalize(ds.map(lambda x, y: x))
