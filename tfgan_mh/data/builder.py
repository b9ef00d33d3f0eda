"""`build_source`: the one gin-configurable entry point that turns a dataset name into a `DataSource`."""

from typing import Optional, Tuple

import gin

from tfgan_mh.data import local
from tfgan_mh.data import pipeline
from tfgan_mh.data import ring
from tfgan_mh.data import tfds_sources

# Older names of `build_source(name, path=DIR)` for a local idx folder, still in earlier runs' operative configs.
IDX_ALIASES = {"mnist_idx": "mnist", "fashion_mnist_idx": "fashion_mnist"}
LOCAL_NAMES = tuple(IDX_ALIASES) + ("npz", "image_folder")  # sources that always read `path`
IDX_NAMES = tuple(n for n, spec in tfds_sources.TFDS_SPECS.items() if spec.local_idx)  # TFDS, or `path` if given
SYNTHETIC_NAMES = ("ring",)
SOURCE_NAMES = tuple(tfds_sources.TFDS_SPECS) + LOCAL_NAMES + SYNTHETIC_NAMES


@gin.configurable
def build_source(name: str = gin.REQUIRED, *, data_dir: Optional[str] = None, path: Optional[str] = None,
                 validation_path: Optional[str] = None, resolution: Optional[int] = None,
                 random_flip: bool = False, labeled_fraction: Optional[float] = None,
                 labeled_split_seed: int = 0, shuffle_buffer: int = 10_000,
                 num_classes: Optional[int] = None, channels: Optional[int] = None,
                 image_key: Optional[str] = None, label_key: Optional[str] = None,
                 pixel_range: Optional[Tuple[float, float]] = None,
                 radius: float = 1.0, std: float = 0.3, num_examples: Optional[int] = None
                 ) -> pipeline.DataSource:
  """Builds the `DataSource` named `name`; its `num_classes` and `image_shape` come from the data.

  Names: TFDS — mnist, fashion_mnist, cifar10, cifar100 (downloaded once when not prepared), celeb_a_5
  (K+1 GANs §3.1, 64 x 64, 5 classes), imagenet2012_64, imagenet2012_128, imagenet_resized_64,
  imagenet2012_subset_10pct (labeled 10 %, with imagenet2012 as the unlabeled stream, 128 x 128; these
  are never downloaded); mnist and fashion_mnist with `path=` read a local folder of idx(.gz) files instead
  (mnist_idx, fashion_mnist_idx: older names for that); local — npz, image_folder; synthetic — ring.

  Args:
    name: one of `SOURCE_NAMES`.
    data_dir: TFDS data directory (`tfds_sources`: MNIST, Fashion-MNIST and CIFAR are downloaded into it
      when not prepared, the others must be prepared); None = TFDS default (~/tensorflow_datasets).
    path: mnist / fashion_mnist: a local folder of the four idx(.gz) files of the MNIST site (read instead
      of TFDS); local sources: the idx folder, the .npz file, or the image folder (train split).
    validation_path: npz / image_folder: the validation split's file / folder.
    resolution: output side in pixels (square); resize = area to shrink, bilinear to enlarge, after a
      central crop for celeb_a_5 (108 x 108) and ImageNet (largest square). None: the source's default.
    random_flip: flip training images left-right at random.
    labeled_fraction: semi-supervised: keep this fraction of every class labeled (exact per-class counts,
      `pipeline.per_class_subset`); all training images form the unlabeled stream. On a TFDS source this
      reads the training labels once when the source is built (images skipped, but the files are read):
      cheap for CIFAR, minutes for ImageNet, where imagenet2012_subset_10pct is the ready-made split.
    labeled_split_seed: which examples are labeled; independent of the shuffle seed.
    shuffle_buffer: TFDS sources' shuffle buffer (in-memory sources shuffle fully).
    num_classes: local sources: K to check labels against (default max label + 1); ring: K (default 10).
    channels: local images: required channel count (default: 1 or 3, as found).
    image_key, label_key: npz array names (default x/images/image and y/labels/label).
    pixel_range: npz float images: their (lo, hi) (default: guessed, `arrays.prepare_images`).
    radius, std, num_examples: the ring (`ring.ring_source`).

  Returns:
    A `DataSource`.

  Raises:
    ValueError: unknown name, absent TFDS data, bad files, labels or images (one line each).
  """
  if name not in SOURCE_NAMES:
    raise ValueError(f"unknown dataset name {name!r}: valid names are {', '.join(SOURCE_NAMES)}")
  if path is not None and name not in LOCAL_NAMES + IDX_NAMES:
    raise ValueError(f"path={path!r} is only used by the local sources {', '.join(LOCAL_NAMES)} and by "
                     f"{', '.join(IDX_NAMES)} (an idx folder), not {name!r}")
  if name in LOCAL_NAMES and not path:
    raise ValueError(f"source {name!r} needs path= (the folder or file to read)")
  if name in IDX_NAMES and path and data_dir:
    raise ValueError(f"source {name!r} got both path={path!r} (a local idx folder) and data_dir={data_dir!r} "
                     "(TFDS data): pass one of them")
  if labeled_fraction is not None and not 0.0 < labeled_fraction <= 1.0:
    raise ValueError(f"labeled_fraction={labeled_fraction!r}: expected a fraction in (0, 1], e.g. 0.1")
  if resolution is not None and (isinstance(resolution, bool) or not isinstance(resolution, int)
                                 or resolution < 1):
    raise ValueError(f"resolution={resolution!r}: expected a positive int (output side in pixels)")
  semi = dict(labeled_fraction=labeled_fraction, labeled_split_seed=labeled_split_seed)

  if name in IDX_ALIASES or (name in IDX_NAMES and path):  # the same idx(.gz) format and file names
    return local.idx_source(name=name, path=path, num_classes=num_classes, resolution=resolution,
                            random_flip=random_flip, **semi)
  if name in tfds_sources.TFDS_SPECS:
    return tfds_sources.TfdsSource(name=name, spec=tfds_sources.TFDS_SPECS[name], data_dir=data_dir,
                                   resolution=resolution, random_flip=random_flip,
                                   shuffle_buffer=shuffle_buffer, **semi)
  if name == "npz":
    return local.npz_source(name=name, path=path, validation_path=validation_path, image_key=image_key,
                            label_key=label_key, num_classes=num_classes, channels=channels,
                            resolution=resolution, pixel_range=pixel_range, random_flip=random_flip, **semi)
  if name == "image_folder":
    return local.image_folder_source(name=name, path=path, validation_path=validation_path,
                                     channels=channels, resolution=resolution, random_flip=random_flip,
                                     **semi)
  # ring
  if random_flip or resolution is not None:
    raise ValueError("random_flip / resolution do not apply to the 2-D ring (points, not images): drop them")
  return ring.ring_source(name=name, num_classes=num_classes, radius=radius, std=std,
                          num_examples=num_examples, **semi)
