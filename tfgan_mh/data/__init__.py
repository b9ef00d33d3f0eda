"""Input pipelines for `strategy.distribute_datasets_from_function`.

  src = data.build_source(name="cifar10")          # gin: build_source.name = 'cifar10'
  src.num_classes, src.image_shape                 # read from the data; models are built from these
  ds = strategy.distribute_datasets_from_function(
      functools.partial(src.input_fn, global_batch_size=64))   # (images [-1,1] float32, labels int32)

Modules: `pipeline` (the `DataSource` contract, shared steps), `arrays` (in-memory sources),
`local` (idx / npz / image folders), `ring` (the K+1 GANs paper's 2-D Gaussians), `tfds_sources` (TFDS;
MNIST, Fashion-MNIST and CIFAR downloaded once, ImageNet / CelebA never), `celeb_a` (the K+1 GANs paper's
5-class CelebA rule), `builder` (`build_source`).
"""

from tfgan_mh.data.builder import SOURCE_NAMES
from tfgan_mh.data.builder import build_source
from tfgan_mh.data.celeb_a import celeb_a_5_class
from tfgan_mh.data.celeb_a import face_angles
from tfgan_mh.data.pipeline import DataSource
from tfgan_mh.data.pipeline import per_class_subset

__all__ = ["SOURCE_NAMES", "build_source", "celeb_a_5_class", "face_angles", "DataSource",
           "per_class_subset"]
