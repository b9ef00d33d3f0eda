"""Shared test helpers for tfgan_mh.data."""

import gzip
import os

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED_DATA = os.path.join(os.path.dirname(REPO), "shared", "data")  # ../shared/data from the repo root
MNIST_DIR = os.path.join(SHARED_DATA, "mnist")
GIN_SUFFIX = "\n  In call to configurable"  # gin appends this to errors raised inside configurables


def our_message(err: Exception) -> str:
  """The message our code raised, without the context gin appends."""
  return str(err).split(GIN_SUFFIX)[0]


def take(ds, n):
  """First n (images, labels) batches as numpy."""
  return [tuple(t.numpy() for t in batch) for batch, _ in zip(ds, range(n))]


def all_batches(ds):
  """Concatenated images and labels of a finite dataset."""
  xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
  return np.concatenate(xs), np.concatenate(ys)


def make_tempdir(test) -> str:
  """A fresh temporary directory removed after `test` (absl's create_tempdir needs parsed flags under pytest)."""
  import shutil  # pylint: disable=g-import-not-at-top
  import tempfile  # pylint: disable=g-import-not-at-top
  path = tempfile.mkdtemp(prefix="tfgan_mh_data_")
  test.addCleanup(shutil.rmtree, path, ignore_errors=True)
  return path


def write_idx(path: str, array) -> str:
  """An idx file of the MNIST format (gzipped when `path` ends in .gz): 0x0000, dtype 0x08 (uint8), ndim,
  big-endian dims, the data."""
  array = np.ascontiguousarray(array, np.uint8)
  header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
  with (gzip.open if path.endswith(".gz") else open)(path, "wb") as f:
    f.write(header + array.tobytes())
  return path
