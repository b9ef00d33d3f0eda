"""TFDS sources: MNIST, Fashion-MNIST, CIFAR-10/100, CelebA-5, ImageNet at 64 / 128, semi-supervised ImageNet.

Downloading: the small, freely downloadable datasets (MNIST, Fashion-MNIST, CIFAR-10/100: `TfdsSpec.downloadable`)
are downloaded and prepared under `data_dir` the first time they are read (`builder.download_and_prepare`,
a no-op once prepared). ImageNet and CelebA are never downloaded (manual downloads, hundreds of GB for
ImageNet): they are read from prepared TFDS data under `data_dir` only. Absent data that cannot be
downloaded is a one-line ValueError naming the ways to get it: the network, a `data_dir` with prepared
TFDS data, or a local source (for MNIST / Fashion-MNIST: `build_source.path` = a folder of idx files).
Without network, TFDS retries each file for about three minutes before the error.

Reading: each split is read in file order (TFDS shuffles examples when it writes them), sharded per input
pipeline by example, shuffled with a seeded buffer *before* image decoding (the buffer holds encoded
bytes), then decoded, cropped, resized and scaled to [-1, 1] per example. Every host reads the whole
split and keeps its shard: right for one host (a v3-8); for multi-host pods, file-level sharding
(`tfds.ReadConfig(input_context=...)`) would read less.
"""

import dataclasses
from typing import Callable, Dict, Optional

from absl import logging
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from tfgan_mh.data import celeb_a
from tfgan_mh.data import pipeline

LOCAL_ALTERNATIVES = "npz, image_folder"  # local sources that read any labeled images
# The four files of the MNIST site (also Fashion-MNIST's names); `local.IDX_FILES` reads them.
IDX_FILE_NAMES = ("train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz), "
                  "t10k-labels-idx1-ubyte(.gz)")
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
    downloadable: small and freely downloadable: `download_and_prepare` when not prepared under data_dir.
    local_idx: `build_source(name, path=DIR)` reads DIR, a local folder of MNIST-format idx(.gz) files,
      instead of TFDS (`local.idx_source`).
  """
  tfds_name: str
  splits: Dict[str, str]
  resolution: Optional[int] = None
  fixed_resolution: bool = False
  crop: object = None
  label_fn: Optional[Callable] = None
  num_classes: Optional[int] = None
  unlabeled_tfds_name: Optional[str] = None
  downloadable: bool = False
  local_idx: bool = False


def _celeb_a_label(example):
  return celeb_a.celeb_a_5_class(example["landmarks"], example["attributes"])


TFDS_SPECS = {
    "mnist": TfdsSpec("mnist", _TEST_AS_VALIDATION, downloadable=True, local_idx=True),  # 11 MB download
    "fashion_mnist": TfdsSpec("fashion_mnist", _TEST_AS_VALIDATION, downloadable=True, local_idx=True),  # 30 MB
    "cifar10": TfdsSpec("cifar10", _TEST_AS_VALIDATION, downloadable=True),  # 163 MB
    "cifar100": TfdsSpec("cifar100", _TEST_AS_VALIDATION, downloadable=True),  # 161 MB
    # K+1 GANs §3.1: CelebA at 64 x 64 with the background cropped, 5 classes from attributes + landmarks.
    "celeb_a_5": TfdsSpec("celeb_a", {"train": "train", "validation": "validation", "test": "test"},
                          resolution=64, crop=(celeb_a.CROP, celeb_a.CROP), label_fn=_celeb_a_label,
                          num_classes=celeb_a.NUM_CLASSES),
    "imagenet2012_64": TfdsSpec("imagenet2012", _TRAIN_VALIDATION, 64, True, "square"),
    "imagenet2012_128": TfdsSpec("imagenet2012", _TRAIN_VALIDATION, 128, True, "square"),  # MHGAN §3
    "imagenet_resized_64": TfdsSpec("imagenet_resized/64x64", _TRAIN_VALIDATION, 64, True),
    # MHGAN §3.3: 10 % of each class labeled (TFDS imagenet2012_subset/10pct), imagenet2012 unlabeled, 128 x 128.
    "imagenet2012_subset_10pct": TfdsSpec("imagenet2012_subset/10pct", _TRAIN_VALIDATION, 128, False, "square",
                                          unlabeled_tfds_name="imagenet2012"),
}


def _missing_data_error(spec: TfdsSpec, tfds_name: str, data_dir: Optional[str], err: Exception,
                        download_failed: bool = False) -> ValueError:
  """The one-line error for absent TFDS data: its cause, then every way to get the data."""
  text = str(err).strip()
  cause = f"{type(err).__name__}: {text.splitlines()[0][:200] if text else ''}"
  if isinstance(err, ModuleNotFoundError) and err.name:
    cause += f"; pip install {err.name}"
  where = f"data_dir={data_dir!r}" + ("" if data_dir else " (the TFDS default, ~/tensorflow_datasets)")
  state = ("could not be downloaded" if download_failed else "cannot be read" if spec.downloadable
           else "will not be downloaded")
  ways = ["connect to the network (TFDS downloads it once)"] if spec.downloadable else []
  ways.append(f"pass data_dir pointing at prepared TFDS data (tfds build {tfds_name} on a machine with network, "
              "then copy it)")
  if spec.local_idx:
    ways.append(f"read a local idx folder with build_source.path='/path/to/{spec.tfds_name}' (the files "
                f"{IDX_FILE_NAMES})")
  else:
    ways.append(f"use a local source ({LOCAL_ALTERNATIVES})")
  return ValueError(f"TFDS dataset {tfds_name!r} is not prepared under {where} and {state} ({cause}): "
                    f"{', or '.join(ways)}")


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
    self._prepare(self._builder)
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
      raise _missing_data_error(self._spec, tfds_name, self._data_dir, err) from err

  def _prepare(self, builder):
    """Downloads and prepares a `downloadable` dataset that is not prepared yet; others are only read."""
    if not self._spec.downloadable:
      return
    try:
      if builder.is_prepared():
        return
      logging.info("TFDS %s is not prepared under %s: downloading and preparing it (offline, pass "
                   "build_source.data_dir with prepared data%s)", builder.name, builder.data_dir,
                   " or build_source.path with a local idx folder" if self._spec.local_idx else "")
      builder.download_and_prepare()
    except Exception as err:  # pylint: disable=broad-except  (network, disk, TFDS: many kinds)
      raise _missing_data_error(self._spec, builder.name, self._data_dir, err, download_failed=True) from err

  def _read(self, tfds_split, builder) -> tf.data.Dataset:
    """Examples in file order with the image still encoded (decoded after the shuffle)."""
    try:
      return builder.as_dataset(split=tfds_split, shuffle_files=False,
                                decoders={"image": tfds.decode.SkipDecoding()})
    except (AssertionError, FileNotFoundError, tf.errors.NotFoundError, ValueError) as err:
      raise _missing_data_error(self._spec, builder.name, self._data_dir, err) from err

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
    # Every training image of the unlabeled set (labeled ones included), as in the MHGAN paper §3.3.
    ds = self._pipeline(ds, lambda ex: (self._image(ex["image"]), 0), input_context, batch, True,
                        seed + 7919, self._random_flip)
    return pipeline.finalize(ds.map(lambda x, y: x))
