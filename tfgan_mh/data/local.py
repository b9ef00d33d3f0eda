"""Local files, no TFDS: MNIST-format idx(.gz) folders, `.npz` arrays, and folders of images per class.

Every loader reads the whole split into memory once (these are small datasets; prepare large ones as
TFDS data) and validates it: image rank and channels, one label per image, labels in [0, num_classes).
"""

import collections
import gzip
import os
import zlib
from typing import List, Optional, Sequence, Tuple

from absl import logging
import numpy as np
import tensorflow as tf

from tfgan_mh.data import arrays
from tfgan_mh.data import pipeline

# idx files of the MNIST format (LeCun et al.): split -> (images, labels) file stems.
IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
# The prepared splits of idx folders this process has read, newest last (at most _PREPARED_MAX, read-only arrays):
# the reproduce runner trains and evaluates many runs of one folder in one process, and reading and resizing
# MNIST's 60 000 training images took ~3.5 s each time (2-core AVX2 EPYC). Keyed by the files' sizes and times too.
_PREPARED = collections.OrderedDict()
_PREPARED_MAX = 4
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
NPZ_IMAGE_KEYS = ("x", "images", "image")
NPZ_LABEL_KEYS = ("y", "labels", "label")
# The classes of the idx sources, in label order (the names of TFDS's mnist / fashion_mnist ClassLabels).
IDX_CLASS_NAMES = {
    "mnist": tuple("0123456789"),
    "fashion_mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                      "Bag", "Ankle boot"),
}


def read_idx(path: str) -> np.ndarray:
  """Reads one idx file (optionally gzipped): magic 0x0000 | dtype byte | ndim byte, big-endian dims."""
  opener = gzip.open if path.endswith(".gz") else open
  try:
    with opener(path, "rb") as f:
      data = f.read()
  except (EOFError, OSError, zlib.error) as e:  # truncated (EOFError) or not gzip (BadGzipFile is an OSError)
    raise ValueError(f"{path} cannot be read ({type(e).__name__}: {str(e) or 'truncated'}): the file is "
                     "damaged or incomplete; download it again") from None
  if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
    raise ValueError(f"{path} is not an idx file (magic {data[:4].hex()}): expected 0000 <dtype> <ndim>")
  ndim = data[3]
  dims = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
  dtype = np.dtype(_IDX_DTYPES[data[2]])
  count = int(np.prod(dims))
  offset = 4 + 4 * ndim
  if len(data) - offset != count * dtype.itemsize:
    raise ValueError(f"{path} holds {len(data) - offset} bytes of data but its header {dims} needs "
                     f"{count * dtype.itemsize}")
  return np.frombuffer(data, dtype, count, offset).reshape(dims)


def _find_idx(folder: str, stem: str) -> str:
  for candidate in (stem + ".gz", stem, stem.replace("-idx", ".idx") + ".gz", stem.replace("-idx", ".idx")):
    path = os.path.join(folder, candidate)
    if os.path.exists(path):
      return path
  raise ValueError(f"no idx file {stem}[.gz] in {folder!r}: expected an MNIST-format folder with "
                   f"{', '.join(s for pair in IDX_FILES.values() for s in pair)} (optionally .gz)")


def check_idx_folder(path: str) -> None:
  """ValueError (one line) unless `path` is a folder with the four idx files of the MNIST format."""
  if not path or not os.path.isdir(path):
    raise ValueError(f"path={path!r} is not a directory: expected a folder of the four MNIST-format idx files "
                     f"({', '.join(s for pair in IDX_FILES.values() for s in pair)}, optionally .gz), e.g. "
                     "as downloaded from the MNIST site")
  for pair in IDX_FILES.values():
    for stem in pair:
      _find_idx(path, stem)


def _prepared_split(images_path: str, labels_path: str, resolution: Optional[int], num_classes: Optional[int]):
  """(images, labels, num_classes) of one idx split as `ArraySource` stores them, read once per process (_PREPARED)."""
  stamp = tuple((os.path.getsize(p), os.path.getmtime(p)) for p in (images_path, labels_path))
  key = (images_path, labels_path, stamp, resolution, num_classes)
  if key not in _PREPARED:
    images = arrays.prepare_images(read_idx(images_path), images_path, resolution=resolution)
    labels, k = arrays.prepare_labels(read_idx(labels_path), len(images), num_classes, images_path)
    images.setflags(write=False)
    labels.setflags(write=False)
    _PREPARED[key] = (images, labels, k)
    while len(_PREPARED) > _PREPARED_MAX:
      _PREPARED.popitem(last=False)
  _PREPARED.move_to_end(key)
  return _PREPARED[key]


def idx_source(*, name: str, path: str, num_classes: Optional[int] = None, resolution: Optional[int] = None,
               random_flip: bool = False, labeled_fraction: Optional[float] = None,
               labeled_split_seed: int = 0) -> arrays.ArraySource:
  """An MNIST-format folder: train-* is "train", t10k-* is "test" (also served as "validation")."""
  try:
    check_idx_folder(path)  # all four files now, not the test files at the first evaluation
  except ValueError as e:
    raise ValueError(f"source {name!r}: {e}") from None
  state = {}

  def load(split):
    def _load():
      images_stem, labels_stem = IDX_FILES[split]
      images, labels, k = _prepared_split(_find_idx(path, images_stem), _find_idx(path, labels_stem), resolution,
                                          state.get("num_classes", num_classes))
      state.setdefault("num_classes", k)
      return images, labels
    return _load

  train = load("train")()
  source = arrays.ArraySource(name=name, num_classes=state["num_classes"], train=train,
                              loaders={"train": load("train"), "validation": load("test"), "test": load("test")},
                              random_flip=random_flip, labeled_fraction=labeled_fraction,
                              labeled_split_seed=labeled_split_seed)
  names = IDX_CLASS_NAMES.get(name.removesuffix("_idx"))  # mnist_idx: the older name of mnist with path=
  if names is not None and len(names) == source.num_classes:  # num_classes= may have narrowed the classes
    source.class_names = names
  return source


def _pick_key(keys: Sequence[str], wanted: Optional[str], candidates: Sequence[str], what: str, path: str):
  if wanted is not None:
    if wanted not in keys:
      raise ValueError(f"{what}_key={wanted!r} is not in {path} (keys: {', '.join(sorted(keys))})")
    return wanted
  for k in candidates:
    if k in keys:
      return k
  raise ValueError(f"{path} has no {what} array: found keys {', '.join(sorted(keys))}; expected one of "
                   f"{', '.join(candidates)} or pass {what}_key=")


def npz_source(*, name: str, path: str, validation_path: Optional[str] = None,
               image_key: Optional[str] = None, label_key: Optional[str] = None,
               num_classes: Optional[int] = None, channels: Optional[int] = None,
               resolution: Optional[int] = None, pixel_range: Optional[Tuple[float, float]] = None,
               random_flip: bool = False, labeled_fraction: Optional[float] = None,
               labeled_split_seed: int = 0) -> arrays.ArraySource:
  """`.npz` files with an image array [N, H, W(, C)] and a label array [N].

  Keys default to the first of x / images / image and y / labels / label. `path` is the train split,
  `validation_path` (optional) the validation split. uint8 images are pixels in [0, 255]; float images
  are read as described in `arrays.prepare_images`.
  """
  state = {}

  def load(file):
    def _load():
      if not file or not os.path.isfile(file):
        raise ValueError(f"path={file!r} is not a file: source {name!r} needs a .npz file with image and "
                         "label arrays")
      with np.load(file) as npz:
        keys = list(npz.keys())
        images = npz[_pick_key(keys, image_key, NPZ_IMAGE_KEYS, "image", file)]
        labels = npz[_pick_key(keys, label_key, NPZ_LABEL_KEYS, "label", file)]
      images = arrays.prepare_images(images, file, channels=channels, resolution=resolution,
                                     pixel_range=pixel_range)
      labels, k = arrays.prepare_labels(labels, len(images), state.get("num_classes", num_classes), file)
      state.setdefault("num_classes", k)
      return images, labels
    return _load

  loaders = {"train": load(path)}
  if validation_path:
    loaders["validation"] = load(validation_path)
  train = loaders["train"]()
  return arrays.ArraySource(name=name, num_classes=state["num_classes"], train=train, loaders=loaders,
                            random_flip=random_flip, labeled_fraction=labeled_fraction,
                            labeled_split_seed=labeled_split_seed)


def list_image_folder(path: str) -> Tuple[List[str], List[Tuple[str, int]]]:
  """Class names (sorted subfolder names) and (file, class id) pairs of a folder with one subfolder per class.

  Hidden entries (names starting with ".", e.g. .ipynb_checkpoints, macOS ._ files) are not classes or
  images; other files than .png / .jpg / .jpeg are skipped with a warning; a class subfolder without
  images is an error (its class would have no examples).
  """
  if not path or not os.path.isdir(path):
    raise ValueError(f"path={path!r} is not a directory: expected a folder with one subfolder of "
                     "PNG/JPEG images per class")
  classes = sorted(d for d in os.listdir(path) if not d.startswith(".") and os.path.isdir(os.path.join(path, d)))
  files, skipped, empty = [], [], []
  for k, c in enumerate(classes):
    found = 0
    for f in sorted(os.listdir(os.path.join(path, c))):
      file = os.path.join(path, c, f)
      if f.startswith(".") or not os.path.isfile(file):
        continue
      if f.lower().endswith(IMAGE_EXTENSIONS):
        files.append((file, k))
        found += 1
      else:
        skipped.append(file)
    if not found:
      empty.append(c)
  if not files:
    raise ValueError(f"{path!r} has no {'/'.join(IMAGE_EXTENSIONS)} images in class subfolders "
                     f"(found subfolders: {classes or 'none'}): expected <path>/<class>/<image>")
  if empty:
    raise ValueError(f"class subfolder(s) {', '.join(repr(c) for c in empty)} of {path!r} hold no "
                     f"{'/'.join(IMAGE_EXTENSIONS)} images: every subfolder is a class; add images or remove it")
  if skipped:
    logging.warning("%s: skipped %d files that are not %s images, e.g. %s", path, len(skipped),
                    "/".join(IMAGE_EXTENSIONS), skipped[0])
  return classes, files


def image_folder_source(*, name: str, path: str, validation_path: Optional[str] = None,
                        channels: Optional[int] = None, resolution: Optional[int] = None,
                        random_flip: bool = False, labeled_fraction: Optional[float] = None,
                        labeled_split_seed: int = 0) -> arrays.ArraySource:
  """A folder `<path>/<class name>/<image>.png|jpg`; class ids follow the sorted subfolder names.

  Channels: `channels` if given, else RGB when any training image is RGB, else grayscale; grayscale images
  of an RGB folder are converted to RGB (gray replicated), an RGB image with `channels=1` and images with
  an alpha channel are errors. Sizes: with `resolution`, each image is cropped to its largest central
  square (as the ImageNet sources) and resized to resolution x resolution (area to shrink, bilinear to
  enlarge); without, all images must have the same height and width. A file that cannot be decoded is an
  error naming it. The validation folder must have the same class subfolders.
  """
  if channels is not None and channels not in (1, 3):
    raise ValueError(f"channels={channels!r}: expected 1 (grayscale) or 3 (RGB)")
  state = {}

  def load(folder):
    def _load():
      classes, files = list_image_folder(folder)
      if "classes" in state and classes != state["classes"]:
        raise ValueError(f"{folder!r} has class subfolders {classes}, the train folder has "
                         f"{state['classes']}: expected the same classes")
      state.setdefault("classes", classes)
      images = []
      for file, _ in files:
        try:
          image = tf.io.decode_image(tf.io.read_file(file), expand_animations=False)  # [H, W, C] uint8
        except tf.errors.InvalidArgumentError:
          raise ValueError(f"{file} is not a readable image: expected a PNG, JPEG, GIF or BMP file (remove "
                           "or replace it)") from None
        if image.shape[-1] not in (1, 3):
          raise ValueError(f"{file} has {image.shape[-1]} channels (with alpha): expected grayscale or RGB; save "
                           "it without transparency")
        if resolution is not None:
          if image.shape[0] != image.shape[1]:
            image = pipeline.center_crop(image)  # the largest central square: no squashed images
          image = tf.cast(tf.clip_by_value(tf.round(
              pipeline.resize_images(image, (resolution, resolution))), 0, 255), tf.uint8)
        elif images and image.shape[:2] != images[0].shape[:2]:
          raise ValueError(f"{file} has size {tuple(image.shape[:2])}, {files[0][0]} has "
                           f"{tuple(images[0].shape[:2])}: expected equal sizes, or pass resolution= to resize")
        images.append(image.numpy())
      want_c = channels or state.get("channels") or max(im.shape[-1] for im in images)
      state.setdefault("channels", want_c)
      for i, (file, _) in enumerate(files):
        if images[i].shape[-1] != want_c:
          if want_c == 1:
            why = "channels=1" if channels else "the training images are all grayscale"
            raise ValueError(f"{file} is RGB: expected grayscale ({why}); convert it to grayscale")
          images[i] = np.repeat(images[i], 3, axis=-1)  # grayscale in an RGB folder
      labels = np.array([k for _, k in files], np.int32)
      return np.stack(images), labels
    return _load

  loaders = {"train": load(path)}
  if validation_path:
    loaders["validation"] = load(validation_path)
  train = loaders["train"]()
  source = arrays.ArraySource(name=name, num_classes=len(state["classes"]), train=train, loaders=loaders,
                              random_flip=random_flip, labeled_fraction=labeled_fraction,
                              labeled_split_seed=labeled_split_seed)
  source.class_names = tuple(state["classes"])
  return source
