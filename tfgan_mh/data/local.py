"""Local files, no TFDS: MNIST-format idx(.gz) folders, `.npz` arrays, and folders of images per class.

Every loader reads the whole split into memory once (these are small datasets; prepare large ones as
TFDS data) and validates it: image rank and channels, one label per image, labels in [0, num_classes).
"""

import gzip
import os
import zlib
from typing import List, Optional, Sequence, Tuple

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
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
NPZ_IMAGE_KEYS = ("x", "images", "image")
NPZ_LABEL_KEYS = ("y", "labels", "label")
# The classes of the idx sources, in label order (the names of TFDS's mnist / fashion_mnist ClassLabels).
IDX_CLASS_NAMES = {
    "mnist_idx": tuple("0123456789"),
    "fashion_mnist_idx": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
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


def idx_source(*, name: str, path: str, num_classes: Optional[int] = None, resolution: Optional[int] = None,
               random_flip: bool = False, labeled_fraction: Optional[float] = None,
               labeled_split_seed: int = 0) -> arrays.ArraySource:
  """An MNIST-format folder: train-* is "train", t10k-* is "test" (also served as "validation")."""
  if not path or not os.path.isdir(path):
    raise ValueError(f"path={path!r} is not a directory: source {name!r} needs path= a folder of idx(.gz) "
                     "files such as ../shared/data/mnist")
  state = {}

  def load(split):
    def _load():
      images_stem, labels_stem = IDX_FILES[split]
      images_path = _find_idx(path, images_stem)
      where = f"{images_path}"
      images = arrays.prepare_images(read_idx(images_path), where, resolution=resolution)
      labels, k = arrays.prepare_labels(read_idx(_find_idx(path, labels_stem)), len(images),
                                        state.get("num_classes", num_classes), where)
      state.setdefault("num_classes", k)
      return images, labels
    return _load

  train = load("train")()
  source = arrays.ArraySource(name=name, num_classes=state["num_classes"], train=train,
                              loaders={"train": load("train"), "validation": load("test"), "test": load("test")},
                              random_flip=random_flip, labeled_fraction=labeled_fraction,
                              labeled_split_seed=labeled_split_seed)
  names = IDX_CLASS_NAMES.get(name)
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
  """Class names (sorted subfolder names) and (file, class id) pairs of a folder with one subfolder per class."""
  if not path or not os.path.isdir(path):
    raise ValueError(f"path={path!r} is not a directory: expected a folder with one subfolder of "
                     "PNG/JPEG images per class")
  classes = sorted(d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d)))
  files = []
  for k, c in enumerate(classes):
    for f in sorted(os.listdir(os.path.join(path, c))):
      if f.lower().endswith(IMAGE_EXTENSIONS):
        files.append((os.path.join(path, c, f), k))
  if not files:
    raise ValueError(f"{path!r} has no {'/'.join(IMAGE_EXTENSIONS)} images in class subfolders "
                     f"(found subfolders: {classes or 'none'}): expected <path>/<class>/<image>")
  return classes, files


def image_folder_source(*, name: str, path: str, validation_path: Optional[str] = None,
                        channels: Optional[int] = None, resolution: Optional[int] = None,
                        random_flip: bool = False, labeled_fraction: Optional[float] = None,
                        labeled_split_seed: int = 0) -> arrays.ArraySource:
  """A folder `<path>/<class name>/<image>.png|jpg`; class ids follow the sorted subfolder names.

  All images must have the channel count of `channels` (default: that of the first image) and, unless
  `resolution` is given (then each is resized to resolution x resolution), the same height and width.
  The validation folder must have the same class subfolders.
  """
  state = {}

  def load(folder):
    def _load():
      classes, files = list_image_folder(folder)
      if "classes" in state and classes != state["classes"]:
        raise ValueError(f"{folder!r} has class subfolders {classes}, the train folder has "
                         f"{state['classes']}: expected the same classes")
      state.setdefault("classes", classes)
      want_c = channels
      images = []
      for file, _ in files:
        try:
          image = tf.io.decode_image(tf.io.read_file(file), expand_animations=False)  # [H, W, C] uint8
        except tf.errors.InvalidArgumentError:
          raise ValueError(f"{file} is not a readable image: expected a PNG, JPEG, GIF or BMP file (remove "
                           "or replace it)") from None
        want_c = want_c or int(image.shape[-1])
        if image.shape[-1] != want_c or want_c not in (1, 3):
          expected = want_c if want_c in (1, 3) else "1 or 3"
          raise ValueError(f"{file} has {image.shape[-1]} channels: expected {expected} like the other "
                           "images (grayscale or RGB)")
        if resolution is not None:
          image = tf.cast(tf.clip_by_value(tf.round(
              pipeline.resize_images(image, (resolution, resolution))), 0, 255), tf.uint8)
        elif images and image.shape != images[0].shape:
          raise ValueError(f"{file} has shape {tuple(image.shape)}, {files[0][0]} has "
                           f"{tuple(images[0].shape)}: expected equal sizes, or pass resolution= to resize")
        images.append(image.numpy())
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
