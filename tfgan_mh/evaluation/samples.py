"""Images from anywhere, as the eval job's generated side: a folder of PNG / JPEG files or an .npz array.

  s = samples.load_samples("/tmp/studiogan_samples")      # or "samples.npz"; samples.from_arrays(x, y)
  s.num, s.image_shape, s.labels                           # labels: [N] int or None
  for x, y, b in s.batches(100): ...                       # float32 [-1, 1] NHWC, full batches (b rows count)

Folders: images directly in the folder (no labels), or one subfolder per class (labels: the subfolder name
when every name is an int, else the index of the sorted names; `evaluate_samples` maps names that are the
reference's class names to those classes, and states the mapping in its log and record). Files are decoded
batch by batch (memory: one batch). npz: the image array under x / images / image / samples (or `image_key`), labels under
y / labels / label if present; uint8 pixels or floats in [0, 1], [-1, 1] or [0, 255].
"""

import os
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np
import tensorflow as tf
from absl import logging

from tfgan_mh import cli
from tfgan_mh.data import arrays
from tfgan_mh.data import local

NPZ_IMAGE_KEYS = local.NPZ_IMAGE_KEYS + ("samples",)


class SampleSet:
  """N images of one shape, with optional labels; `batches` streams them as float32 in [-1, 1]."""

  def __init__(self, path: str, num: int, image_shape: Tuple[int, ...], labels: Optional[np.ndarray],
               files: Optional[List[str]] = None, images: Optional[np.ndarray] = None,
               folder_of: Optional[List[str]] = None):
    self.path, self.num, self.image_shape, self.labels = path, num, tuple(image_shape), labels
    self._files, self._images = files, images
    self.folder_of = folder_of  # class subfolder of each sample (folders of classes), else None

  @property
  def class_folders(self) -> Optional[Dict[str, int]]:
    """{class subfolder: label} for folders of classes, else None."""
    if self.folder_of is None:
      return None
    return {d: int(y) for d, y in sorted(dict(zip(self.folder_of, self.labels)).items())}

  def relabel(self, label_of: Dict[str, int]) -> "SampleSet":
    """The same samples with labels from their class subfolder's name: `label_of[folder]`."""
    labels = np.array([label_of[d] for d in self.folder_of], np.int32)
    return SampleSet(self.path, self.num, self.image_shape, labels, self._files, self._images, self.folder_of)

  def limit(self, n: int) -> "SampleSet":
    """The first n samples (all when there are fewer)."""
    n = min(int(n), self.num)
    cut = lambda v: None if v is None else v[:n]  # noqa: E731
    return SampleSet(self.path, n, self.image_shape, cut(self.labels), cut(self._files), cut(self._images),
                     cut(self.folder_of))

  def _decode(self, begin: int, end: int) -> np.ndarray:
    if self._images is not None:
      x = self._images[begin:end]
    else:
      x = np.stack([_decode_file(f, self.image_shape) for f in self._files[begin:end]])
    return x.astype(np.float32) / 127.5 - 1.0 if x.dtype == np.uint8 else x.astype(np.float32)

  def batches(self, batch_size: int) -> Iterator[Tuple[np.ndarray, Optional[np.ndarray], int]]:
    """(x [bs, ...] float32 in [-1, 1], y [bs] int32 or None, b): full batches, the first b rows count."""
    for begin in range(0, self.num, batch_size):
      b = min(batch_size, self.num - begin)
      x = self._decode(begin, begin + b)
      if b < batch_size:  # static shapes, as the generator's batches
        x = np.concatenate([x, np.zeros((batch_size - b,) + x.shape[1:], x.dtype)])
      y = None
      if self.labels is not None:
        y = np.zeros([batch_size], np.int32)
        y[:b] = self.labels[begin:begin + b]
      yield x, y, b


def _decode_file(path: str, shape: Optional[Tuple[int, ...]] = None) -> np.ndarray:
  try:
    image = tf.io.decode_image(tf.io.read_file(path), expand_animations=False).numpy()
  except (tf.errors.InvalidArgumentError, tf.errors.NotFoundError) as e:
    raise ValueError(f"--samples: cannot decode {path} ({type(e).__name__}): expected a PNG or JPEG image") from None
  if image.shape[-1] not in (1, 3):
    raise ValueError(f"--samples: {path} has {image.shape[-1]} channels: expected grayscale or RGB")
  if shape is not None and image.shape != tuple(shape):
    raise ValueError(f"--samples: {path} has shape {image.shape}, the first image {tuple(shape)}: expected "
                     "images of one size")
  return image


def match_class_folders(samples: SampleSet, class_names: Optional[List[str]]) -> Tuple[SampleSet, Optional[str]]:
  """Labels of folders of classes whose names are not all integers: the reference's class with that name when
  every folder names one (case-insensitive), else the sorted order, with a warning. Returns the samples and
  the rule used (None: not folders of classes, or integer names)."""
  folders = samples.class_folders
  if not folders or all(d.isdigit() for d in folders):
    return samples, None
  names = [str(n).lower() for n in class_names or ()]
  if names and all(d.lower() in names for d in folders):
    samples = samples.relabel({d: names.index(d.lower()) for d in folders})
    rule = "the reference's class names"
    logging.info("--samples=%r: class folders -> labels by %s: %s", samples.path, rule, samples.class_folders)
    return samples, rule
  rule = "sorted order (the names are neither all integers nor all class names of the reference)"
  logging.warning("--samples=%r: class folders -> labels by %s: %s; name the folders by class index (0/, 1/, ...) "
                  "or by the reference's class names (%s) if that is not what they hold", samples.path, rule,
                  folders, ", ".join(map(str, class_names or ())) or "none")
  return samples, rule


def _folder(path: str) -> SampleSet:
  is_image = lambda f: f.lower().endswith(local.IMAGE_EXTENSIONS)  # noqa: E731
  entries = sorted(os.listdir(path))
  flat = [os.path.join(path, f) for f in entries if is_image(f)]
  subdirs = [d for d in entries if os.path.isdir(os.path.join(path, d))]
  per_class = {d: [os.path.join(path, d, f) for f in sorted(os.listdir(os.path.join(path, d))) if is_image(f)]
               for d in subdirs}
  per_class = {d: files for d, files in per_class.items() if files}
  if flat and per_class:
    raise ValueError(f"--samples={path!r} holds images both directly and in class subfolders "
                     f"({', '.join(list(per_class)[:3])}): expected one or the other")
  if flat:
    files, labels, folder_of = flat, None, None
  elif per_class:
    names = sorted(per_class)
    ids = ({d: int(d) for d in names} if all(d.isdigit() for d in names) else
           {d: i for i, d in enumerate(names)})
    files = [f for d in names for f in per_class[d]]
    labels = np.array([ids[d] for d in names for _ in per_class[d]], np.int32)
    folder_of = [d for d in names for _ in per_class[d]]
  else:
    raise ValueError(f"--samples={path!r} has no {'/'.join(local.IMAGE_EXTENSIONS)} images (directly or in "
                     "class subfolders)")
  first = _decode_file(files[0])
  return SampleSet(path, len(files), first.shape, labels, files=files, folder_of=folder_of)


def _npz(path: str, image_key: Optional[str]) -> SampleSet:
  try:
    with np.load(path) as npz:
      keys = list(npz.keys())
      images = npz[local._pick_key(keys, image_key, NPZ_IMAGE_KEYS, "image", path)]  # pylint: disable=protected-access
      label_key = next((k for k in local.NPZ_LABEL_KEYS if k in keys), None)
      labels = npz[label_key] if label_key else None
  except (OSError, ValueError, EOFError) as e:
    raise ValueError(f"--samples={path!r} is not a readable .npz ({cli.first_line(e)})") from None
  return from_arrays(images, labels, path)


def from_arrays(images, labels=None, name: str = "arrays") -> SampleSet:
  """A `SampleSet` of in-memory images [N, H, W(, C)] (uint8 pixels or floats, as an npz) and labels [N]."""
  images = arrays.prepare_images(np.asarray(images), name)
  if labels is not None:
    labels = arrays.prepare_labels(np.asarray(labels), len(images), None, name)[0].astype(np.int32)
  return SampleSet(name, len(images), images.shape[1:], labels, images=images)


def load_samples(path: str, image_key: Optional[str] = None) -> SampleSet:
  """A `SampleSet` from a folder of images or an .npz file; one-line ValueError for unreadable input."""
  path = str(path)
  if os.path.isdir(path):
    return _folder(path)
  if os.path.isfile(path):
    if not path.endswith(".npz"):
      raise ValueError(f"--samples={path!r} is a file but not an .npz: expected a folder of PNG/JPEG images "
                       "or an .npz with an image array")
    return _npz(path, image_key)
  raise ValueError(f"--samples={path!r} does not exist: expected a folder of PNG/JPEG images or an .npz file")
