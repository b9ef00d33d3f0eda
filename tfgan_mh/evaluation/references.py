"""Real-data passes of the eval job, computed once per job and reused for every checkpoint.

  * the feature reference: `num_real` examples of `real_split` through the --inception extractor, streamed
    into `FeatureStats` (FID), with the label counts (C_train of the AM Score) and, when a metric needs them
    (KID, precision-recall, density-coverage), the first `max_kept_features` features themselves;
  * the per-class reference of intra-FID (`intra_fid_split`, per-class `ClassFeatureStats`);
  * the validation split of the discriminator-side metrics.
"""

import collections
import contextlib
import time
from typing import Any, Dict, Iterator, Optional, Sequence, Tuple

import numpy as np
from absl import logging

from tfgan_mh import metrics


class Timer:
  """Seconds per stage, summed over the calls of `stage(name)`."""

  def __init__(self):
    self.seconds = collections.defaultdict(float)

  @contextlib.contextmanager
  def stage(self, name):
    start = time.perf_counter()
    try:
      yield
    finally:
      self.seconds[name] += time.perf_counter() - start

  def rounded(self):
    """{stage: seconds} rounded to ms, sorted: a record's "timing"."""
    return {k: round(v, 3) for k, v in sorted(self.seconds.items())}


class FeatureReference:
  """Real statistics of one extractor (or only label counts when `extractor` is None)."""

  def __init__(self, extractor_name: Optional[str], split: str):
    self.extractor_name = extractor_name
    self.split = split
    self.stats = None  # FeatureStats
    self.label_counts = None  # [K] real label counts
    self.count = 0
    self.kept = None  # [n, d] float32 features, the first max_kept_features (None: not kept)

  def protocol(self) -> Dict[str, Any]:
    return {"split": self.split, "size": int(self.count)}


class ClassReference:
  """Per-class real feature statistics of the intra-FID reference split."""

  def __init__(self, stats, split: str, counts: np.ndarray, classes: Sequence[int]):
    self.stats = stats  # ClassFeatureStats
    self.split = split
    self.counts = counts  # [K] real examples per class in the reference
    self.classes = tuple(classes)

  def protocol(self, feature_dim: int) -> Dict[str, Any]:
    counts = [int(self.counts[c]) for c in self.classes]
    return {"split": self.split, "size": int(sum(counts)), "min_per_class": min(counts),
            "max_per_class": max(counts), "per_class_counts": counts,
            "low_sample": min(counts) < feature_dim + 1}


class RealData:
  """The real side of an evaluation: batches of a split, the references above, cached.

  Args:
    config: the validated `EvalConfig`.
    source_fn: () -> the `DataSource` (called at first use: building MNIST reads and resizes 60k images).
  """

  def __init__(self, config, source_fn):
    self.config = config
    self._source_fn = source_fn
    self._source = None
    self._reference = None
    self._class_reference = None  # (key, ClassReference)
    self._splits = {}

  @property
  def source(self):
    if self._source is None:
      self._source = self._source_fn()
    return self._source

  @property
  def built(self) -> bool:
    return self._source is not None

  def batches(self, split: str, limit: Optional[int]) -> Iterator[Tuple[np.ndarray, np.ndarray]]:
    """(x, y) numpy batches of `split` in file order, no example dropped, at most `limit` examples."""
    ds = self.source.input_fn(global_batch_size=1, split=split, training=False).unbatch()
    if limit is not None:
      ds = ds.take(limit)
    for x, y in ds.batch(self.config.batch_size).prefetch(2):
      yield x.numpy(), y.numpy()

  def has_split(self, name: str) -> bool:
    if name not in self._splits:
      try:
        self.source.input_fn(global_batch_size=1, split=name, training=False)
        self._splits[name] = None
      except ValueError as e:
        self._splits[name] = str(e).splitlines()[0]
    return self._splits[name] is None

  def validation_split(self) -> Optional[str]:
    """The split of the discriminator-side metrics (None: the source has none, or validation_split "none")."""
    wanted = self.config.validation_split
    if wanted == "none":
      return None
    if wanted == "auto":
      return next((name for name in ("validation", "test") if self.has_split(name)), None)
    if not self.has_split(wanted):
      raise ValueError(f"validation_split={wanted!r}: {self._splits[wanted]}")
    return wanted

  def intra_fid_split(self) -> str:
    """`intra_fid_split`, or for "auto" validation, else test, else train."""
    wanted = self.config.intra_fid_split
    if wanted != "auto":
      return wanted
    return next((name for name in ("validation", "test") if self.has_split(name)), "train")

  def reference(self, extractor, *, num_classes: int, keep: int, timer: Timer) -> FeatureReference:
    """Streams `num_real` examples of `real_split` once: feature statistics (with `extractor`), label counts,
    and the first `keep` features (0: none). A cached reference is reused when it holds what is asked."""
    cfg = self.config
    name = getattr(extractor, "name", None)
    ref = self._reference
    if ref is not None and (extractor is None or ref.extractor_name == name) and \
        (not keep or ref.kept is not None):
      return ref
    ref = FeatureReference(name, cfg.real_split)
    ref.stats = metrics.FeatureStats(extractor.feature_dim) if extractor is not None else None
    ref.label_counts = np.zeros([num_classes], np.int64)
    kept, n_kept = [], 0
    with timer.stage("real_reference"):
      for x, y in self.batches(cfg.real_split, cfg.num_real or cfg.num_samples):
        if extractor is not None:
          features = extractor(x)[1].numpy()
          ref.stats.update(features)
          if n_kept < keep:
            kept.append(features[:keep - n_kept].astype(np.float32))
            n_kept += len(kept[-1])
        ref.label_counts += np.bincount(y, minlength=num_classes)[:num_classes]
        ref.count += len(y)
    if ref.count < 2:
      raise ValueError(f"split {cfg.real_split!r} of source {self.source.name!r} gave {ref.count} real samples: "
                       "need at least 2 for the FID reference")
    ref.kept = np.concatenate(kept) if keep and kept else None
    logging.info("real reference: %d samples of split %r%s%s", ref.count, cfg.real_split,
                 f" through {name}" if extractor is not None else "",
                 f", {n_kept} features kept" if keep else "")
    self._reference = ref
    return ref

  def class_reference(self, extractor, per_class: Sequence[int], num_classes: int, timer: Timer) -> ClassReference:
    """Streams the intra-FID reference split once through `extractor`, per class; refuses too-small classes.

    Raises:
      ValueError: a class with fewer than `intra_fid_min_per_class` real samples (one line naming the counts).
    """
    cfg = self.config
    key = (extractor.name, tuple(per_class), cfg.intra_fid_split, cfg.num_intra_fid_real)
    if self._class_reference is not None and self._class_reference[0] == key:
      return self._class_reference[1]
    split = self.intra_fid_split()
    stats = metrics.ClassFeatureStats(extractor.feature_dim, num_classes, classes=per_class)
    counts = np.zeros([num_classes], np.int64)
    with timer.stage("real_reference"):
      for x, y in self.batches(split, cfg.num_intra_fid_real):
        stats.update(extractor(x)[1].numpy(), y)
        counts += np.bincount(y, minlength=num_classes)[:num_classes]
    few = [c for c in per_class if counts[c] < cfg.intra_fid_min_per_class]
    if few:
      shown = ", ".join(f"class {c}: {counts[c]}" for c in few[:8]) + (" ..." if len(few) > 8 else "")
      raise ValueError(f"intra-FID reference split {split!r} has fewer than intra_fid_min_per_class="
                       f"{cfg.intra_fid_min_per_class} real samples in {len(few)} of {len(per_class)} classes "
                       f"({shown}): use a larger split (--intra_fid_split), lower --intra_fid_min_per_class, "
                       "or leave intra_fid out of --metrics")
    logging.info("intra-FID reference: split %r, %d-%d real samples per class", split,
                 min(counts[c] for c in per_class), max(counts[c] for c in per_class))
    ref = ClassReference(stats, split, counts, per_class)
    self._class_reference = (key, ref)
    return ref
