r"""The sidecar eval job: follows a run directory, evaluates every new checkpoint once, keeps the best one.

  from tfgan_mh.evaluation import job
  cfg = job.EvalConfig(inception="inception:/models/tfgan_inception", classifier="classifier:/models/mnist32")
  job.watch("/runs/mnist_mhgan", cfg)                          # until TRAIN_DONE (or --timeout)
  record = job.evaluate_checkpoint(restore.load_run(d, "latest"), cfg)   # one checkpoint, a dict

Entry point: `python eval/run_eval.py --model_dir=D [--once] ...` (flags there), started by
`launch/eval.sh MODEL_DIR [--once] [flags]`. The library reads no flags.

What `watch` does (compare_gan's continuous_eval, on `tf.train.checkpoints_iterator`):
  * rebuilds G, D and the EMA G of each checkpoint from MODEL_DIR/operative_config.gin + run_info.json
    (`tfgan_mh.training.restore.load_run`), and the run's data from the same gin config;
  * every time the iterator wakes up, lists all checkpoints and evaluates those not yet in
    MODEL_DIR/eval/metrics.jsonl in step order (the iterator itself only reports the latest one);
  * appends one JSON object per checkpoint to metrics.jsonl (`records`) and writes TensorBoard summaries
    to MODEL_DIR/eval; a restarted job skips the steps already there;
  * skips (with a warning) a checkpoint deleted between the listing and the restore;
  * exports the generator of the best checkpoint so far (`EvalConfig.best_metric`, e.g. lowest FID) as a
    SavedModel to MODEL_DIR/eval/best (`tfgan_mh.export.export_generator`) and records it in
    MODEL_DIR/eval/best.json;
  * stops once MODEL_DIR/TRAIN_DONE exists and every checkpoint is evaluated, or after `timeout` seconds
    without a new checkpoint; `once=True` evaluates the latest checkpoint and returns.

Samples come from the EMA generator when the run has one (`use_ema`, recorded as "generator" in each
record), always in inference mode (batch-norm moving statistics). The same latents and labels are used for
every checkpoint (seeded): z ~ N(0, I), labels a seeded permutation of i mod K (balanced classes).
BigGAN's sampling options (Brock et al. 2019), off by default, recorded in every record as "truncation" (null or
the threshold) and "standing_stats" (null or what was done):
  truncation              z from the truncated normal, every |z_i| > threshold resampled (§3.1,
                          `tfgan_mh.training.latents`)
  standing_stats_batches  before sampling, G's batch-norm statistics become the average over this many prior
                          batches of `standing_stats_batch_size` (§3, `tfgan_mh.models.standing_stats`); only
                          the restored copy changes, never the checkpoint. The best export carries both.

Metric groups (`METRIC_GROUPS`; a group the run cannot have is recorded under "absent" with the reason,
it is not an error):
  is                   IS over the run's splits (mean, std; 000: 1, 001 / 004: 10), H(C_G), E[H(C(x))]
                       (001 Eq. (21)-(22)), --inception
  fid                  FID against `num_real` real samples of `real_split` (Heusel et al. Eq. (6)), --inception
  intra_fid            FID per class and its mean (000 Fig. 4c), conditional G, --inception
  validation_accuracy  D's classifier on real validation data (000 §3.2)
  self_accuracy        argmax_k C_k(G(z, y)) = y with D's classifier (000 §3.2), conditional G
  d_accuracy           D's adv logit > 0 on real validation data (000 Fig. 7b), and < 0 on samples
  projection_accuracy  argmax_k D(x, k) = y on real validation data (000 §3.2, Fig. 2b), projection D
  am_score             AM Score (001 Eq. (23)), C_train from the real training labels, --classifier
  classifier_is        IS with the dataset classifier (004 §5 for MNIST), --classifier
  gan_test             GAN-test (003 §4.4), --classifier, conditional G
  gan_train            GAN-train (003 §4.4): trains a small classifier per checkpoint (slow; opt-in)
  confidence           classifier confidence on samples, histogram + mean (003 Fig. 6), --classifier
  class_histogram      fraction of samples per predicted class (004 Fig. 1a), --classifier
  ms_ssim              mean MS-SSIM of random same-class pairs, per class / mean / max (001 Table 2); 28-32
                       px images use 3 scales and a 7-px window (`tfgan_mh.metrics.ms_ssim`)
  pairwise_distance    mean pairwise embedding distance of batches of n x 128 samples (002 Fig. 3 iv)
  energy               MAGAN / EBGAN real and generated energies and the checkpoint's margin (004)
  mixture              2-D points of a Gaussian mixture (the ring, 002 §3.1): share within 2 / 3 std of a
                       mode, modes covered, per-class share on its own mode, energy distance and sliced
                       Wasserstein to the real validation points, the real points' own shares
                       (`tfgan_mh.metrics.mixture`)
Feature statistics are streamed (`tfgan_mh.metrics.FeatureStats`): memory O(d^2), not O(samples x d).
Image metrics apply to image runs; the 2-D ring gets the mixture metrics and the discriminator-side ones.

Every record has a "protocol" dict (`tfgan_mh.evaluation.protocol`): samples, seed, IS splits (the run's
`eval_protocol`, 1 for 000 and 10 for 001 / 004, unless --num_splits overrides) and their source, the FID
and intra-FID references (split, size, per-class counts), extractors and their resize, EMA or raw generator,
eval labels and the training fake-label distribution.
"""

import collections
import contextlib
import dataclasses
import math
import time
from typing import Any, Dict, Iterator, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf
from absl import logging

from tfgan_mh import metrics
from tfgan_mh.evaluation import protocol as protocol_lib
from tfgan_mh.evaluation import records as records_lib
from tfgan_mh.evaluation import streaming
from tfgan_mh.models import standing_stats
from tfgan_mh.training import latents
from tfgan_mh.training import restore

TRAIN_DONE = "TRAIN_DONE"  # written by tfgan_mh.training.loop at the end of training

METRIC_GROUPS = ("is", "fid", "intra_fid", "validation_accuracy", "self_accuracy", "d_accuracy",
                 "projection_accuracy", "am_score", "classifier_is", "gan_test", "gan_train", "confidence",
                 "class_histogram", "ms_ssim", "pairwise_distance", "energy", "mixture")
OPT_IN_GROUPS = ("gan_train",)  # trains a classifier per checkpoint
DEFAULT_GROUPS = tuple(g for g in METRIC_GROUPS if g not in OPT_IN_GROUPS)
INCEPTION_GROUPS = ("is", "fid", "intra_fid")
CLASSIFIER_GROUPS = ("am_score", "classifier_is", "gan_test", "confidence", "class_histogram")

# Scalars the best checkpoint can be chosen by: record key -> (metric group, "min" | "max").
BEST_METRICS = {
    "fid": ("fid", "min"), "intra_fid_mean": ("intra_fid", "min"), "is_mean": ("is", "max"),
    "classifier_is_mean": ("classifier_is", "max"), "am_score": ("am_score", "min"),
    "validation_accuracy": ("validation_accuracy", "max"), "self_accuracy": ("self_accuracy", "max"),
    "projection_accuracy": ("projection_accuracy", "max"), "gan_test": ("gan_test", "max"),
    "gan_train": ("gan_train", "max"), "confidence_mean": ("confidence", "max"),
    "ms_ssim_max": ("ms_ssim", "min"),
}
BEST_MODES = ("auto", "min", "max")
NO_EXTRACTOR = ("", "none")
_CLASSIFIER_HEADS = ("classifier", "shared_classifier", "kplus1", "cosine")


def parse_metrics(spec) -> Tuple[str, ...]:
  """Metric groups from "default", "all", or comma-separated group names (may include "default").

  Raises:
    ValueError: an unknown name (the message lists the valid ones).
  """
  names = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else [str(s) for s in spec]
  out = []
  for name in names:
    if not name:
      continue
    expanded = {"default": DEFAULT_GROUPS, "all": METRIC_GROUPS}.get(name, (name,))
    for group in expanded:
      if group not in METRIC_GROUPS:
        raise ValueError(f"unknown metric {name!r}: valid names are default, all, {', '.join(METRIC_GROUPS)}")
      if group not in out:
        out.append(group)
  if not out:
    raise ValueError(f"metrics={spec!r} selects nothing: pass default, all or some of {', '.join(METRIC_GROUPS)}")
  return tuple(g for g in METRIC_GROUPS if g in out)


def check_extractor_spec(spec, role: str) -> None:
  """Checks the form of an extractor spec without loading it ("none" / "" / None allowed; objects too)."""
  if spec is None or not isinstance(spec, str):
    return
  if spec in NO_EXTRACTOR:
    return
  kind, sep, path = spec.partition(":")
  if kind == "inception" or (kind == "classifier" and sep and path):
    return
  raise ValueError(f"--{role}={spec!r} is not an extractor spec: expected inception, inception:/local/dir, "
                   "classifier:/path/to/savedmodel or none")


@dataclasses.dataclass
class EvalConfig:
  """Settings of the eval job (the flags of eval/run_eval.py map onto these).

  Attributes:
    metrics: metric groups (`parse_metrics`); default all but the opt-in GAN-train.
    inception: extractor spec for IS / FID / intra-FID ("inception", "inception:/dir", "classifier:/dir"),
      an object with the `FeatureExtractor` interface, or None / "none".
    classifier: dataset-classifier spec or object for AM Score, classifier IS, GAN-test, confidence, class
      histogram (and the embedding of the pairwise distance); None = those metrics are absent.
    num_samples: generated samples per checkpoint (10k: TF-GAN / compare_gan's usual FID/IS size).
    batch_size: samples per generator / extractor batch.
    num_splits: IS splits; None = the run's protocol (`eval_protocol.inception_score_splits` of its gin file:
      1 for 000's TF-GAN eval, 10 for the Salimans script of 001 / 004; 10 for runs that state none).
    num_real: real samples of `real_split` for the FID reference statistics and C_train (None: num_samples).
    real_split: split of the FID reference ("train": FID against the training data, as TF-GAN's SAGAN eval).
    intra_fid_split: split of the intra-FID reference; "auto" = validation, else test, else train (000's code
      uses the ImageNet validation split, ~50 images per class). All of it is used (`num_intra_fid_real` caps).
    num_intra_fid_real: cap on intra-FID reference examples (None: the whole split).
    intra_fid_min_per_class: fewest real reference samples a class may have; fewer refuses the evaluation
      with one line (50: what 000 had per ImageNet class). Classes with fewer than feature_dim + 1 are
      flagged in the record (`intra_fid_low_sample`): their covariance is rank-deficient.
    validation_split: split for the discriminator-side metrics and the GAN-train test set; "auto" =
      "validation", else "test"; "none" turns them off.
    num_validation: cap on validation examples (None: the whole split, as 000 §3.2 uses).
    use_ema: sample from the EMA generator when the run has one.
    seed: seed of the latents and labels (the same for every checkpoint), and of the standing statistics.
    truncation: truncation threshold of the latents (BigGAN §3.1); None / 0: z ~ N(0, I).
    standing_stats_batches: prior batches of standing statistics (BigGAN §3) applied to G before sampling;
      0: the checkpoint's moving statistics.
    standing_stats_batch_size: samples per standing-statistics batch.
    intra_fid_classes: classes for intra-FID (None: all); needed for ImageNet-size K (memory below).
    max_stats_bytes: limit on the memory of the per-class feature statistics (2 x classes x d^2 x 8 bytes).
    ms_ssim_images_per_class, ms_ssim_pairs_per_class, ms_ssim_max_classes: the MS-SSIM pool.
    pairwise_base, pairwise_multiples, pairwise_trials: batch sizes n x base and trials (002: 128, 10).
    confidence_bins: histogram bins on [0, 1].
    gan_train_epochs: epochs of the GAN-train classifier.
    best_metric: record key the best checkpoint is chosen by (`BEST_METRICS`), or None for no export.
    best_mode: "auto" (the metric's direction), "min" or "max".
  """
  metrics: Sequence[str] = DEFAULT_GROUPS
  inception: Any = "inception"
  classifier: Any = None
  num_samples: int = 10_000
  batch_size: int = 100
  num_splits: Optional[int] = None  # the run's protocol (tfgan_mh.evaluation.protocol)
  num_real: Optional[int] = None
  real_split: str = "train"
  intra_fid_split: str = "auto"
  num_intra_fid_real: Optional[int] = None
  intra_fid_min_per_class: int = 50  # 000's code: ImageNet validation, ~50 per class
  validation_split: str = "auto"
  num_validation: Optional[int] = None
  use_ema: bool = True
  seed: int = 0
  truncation: Optional[float] = None
  standing_stats_batches: int = 0  # off; BigGAN-PyTorch's --num_standing_accumulations defaults to 16
  standing_stats_batch_size: int = 256
  intra_fid_classes: Optional[Sequence[int]] = None
  max_stats_bytes: int = 8 << 30
  ms_ssim_images_per_class: int = 50
  ms_ssim_pairs_per_class: int = 100
  ms_ssim_max_classes: int = 100
  pairwise_base: int = 128  # 002 Fig. 3 iv: batches of n x 128
  pairwise_multiples: Sequence[int] = (1, 2, 4, 8)
  pairwise_trials: int = 10  # 002: 10 trials
  confidence_bins: int = 20
  gan_train_epochs: int = 10
  best_metric: Optional[str] = "fid"
  best_mode: str = "auto"

  def validate(self) -> "EvalConfig":
    """Normalises and checks every field; one-line ValueError naming the bad value."""
    self.metrics = parse_metrics(self.metrics)
    check_extractor_spec(self.inception, "inception")
    check_extractor_spec(self.classifier, "classifier")
    for name in ("num_samples", "batch_size", "intra_fid_min_per_class", "ms_ssim_images_per_class",
                 "ms_ssim_pairs_per_class", "ms_ssim_max_classes", "pairwise_base", "pairwise_trials",
                 "confidence_bins", "gan_train_epochs", "max_stats_bytes"):
      _check_positive_int(name, getattr(self, name))
    for name in ("num_real", "num_validation", "num_splits", "num_intra_fid_real"):
      if getattr(self, name) is not None:
        _check_positive_int(name, getattr(self, name))
    if self.num_splits is not None:
      check_splits(self.num_samples, self.num_splits)
    self.truncation = latents.check_truncation(self.truncation)
    standing_stats.check_settings(self.standing_stats_batches, self.standing_stats_batch_size)
    self.pairwise_multiples = tuple(int(n) for n in self.pairwise_multiples)
    if not self.pairwise_multiples or min(self.pairwise_multiples) < 1:
      raise ValueError(f"pairwise_multiples={self.pairwise_multiples!r}: expected positive ints such as 1,2,4,8")
    if self.intra_fid_classes is not None:
      self.intra_fid_classes = tuple(sorted({int(c) for c in self.intra_fid_classes}))
      if not self.intra_fid_classes or self.intra_fid_classes[0] < 0:
        raise ValueError(f"intra_fid_classes={self.intra_fid_classes!r}: expected class ids >= 0")
    if self.best_mode not in BEST_MODES:
      raise ValueError(f"best_mode={self.best_mode!r}: expected one of {', '.join(BEST_MODES)}")
    if self.best_metric in NO_EXTRACTOR:
      self.best_metric = None
    if self.best_metric is not None:
      if self.best_metric not in BEST_METRICS:
        raise ValueError(f"best_metric={self.best_metric!r}: expected one of {', '.join(BEST_METRICS)} or none")
      group = BEST_METRICS[self.best_metric][0]
      if group not in self.metrics:
        raise ValueError(f"best_metric={self.best_metric!r} needs the metric group {group!r}, which is not in "
                         f"metrics ({','.join(self.metrics)})")
    if self.real_split not in ("train", "validation", "test"):
      raise ValueError(f"real_split={self.real_split!r}: expected train, validation or test")
    if self.intra_fid_split not in ("auto", "train", "validation", "test"):
      raise ValueError(f"intra_fid_split={self.intra_fid_split!r}: expected auto, validation, test or train")
    if self.validation_split not in ("auto", "none", "train", "validation", "test"):
      raise ValueError(f"validation_split={self.validation_split!r}: expected auto, validation, test, train or none")
    return self

  @property
  def resolved_best_mode(self) -> str:
    if self.best_metric is None:
      return "min"
    return BEST_METRICS[self.best_metric][1] if self.best_mode == "auto" else self.best_mode


def check_splits(num_samples: int, num_splits: int) -> None:
  if num_samples < num_splits:
    raise ValueError(f"num_samples={num_samples} is smaller than num_splits={num_splits}: each IS split needs "
                     "samples")


def _check_positive_int(name, value):
  if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
    raise ValueError(f"{name}={value!r}: expected a positive int")


def resolve_extractor(spec, role: str):
  """An extractor from a spec (`tfgan_mh.evaluation.load_extractor`), an extractor object, or None."""
  if spec is None or (isinstance(spec, str) and spec in NO_EXTRACTOR):
    return None
  if isinstance(spec, str):
    from tfgan_mh.evaluation import extractors  # pylint: disable=g-import-not-at-top
    return extractors.load_extractor(spec)
  missing = [a for a in ("name", "num_logits", "feature_dim") if not hasattr(spec, a)]
  if missing or not callable(spec):
    raise ValueError(f"{role} extractor {spec!r} lacks {', '.join(missing) or '__call__'}: expected a spec "
                     "string or an object with name, num_logits, feature_dim and __call__(images)")
  return spec


def d_class_logits(out, num_classes: int):
  """The GAN's own classifier C on D's outputs: class_logits, else the K real columns of the K+1 head
  (001/002: column K is "fake"), else the cosine logits (003); None without a classifier head."""
  if out.class_logits is not None:
    return out.class_logits
  if out.kplus1_logits is not None:
    return out.kplus1_logits[:, :num_classes]
  return out.cosine_logits


def projection_matrix_fn(discriminator, num_classes: int):
  """A function (x, y) -> (DiscOutput, [B, K] matrix D(x, k)) for a projection discriminator (000 Fig. 2b).

  D(x, k) = psi(phi) + <E_k, phi>; with the true labels y, psi(phi) = D(x, y) - <E_y, phi>, so one pass gives
  every column (equal to `tfgan_mh.metrics.projection_logits`, which costs K passes). Falls back to the K
  passes when the head exposes no embedding table.
  """
  embed = getattr(getattr(discriminator, "head", None), "embed", None)

  if embed is None:
    def fallback(x, y):
      out = discriminator(x, y, training=False)
      matrix = metrics.projection_logits(lambda xx, yy: discriminator(xx, yy, training=False), x, num_classes)
      return out, matrix
    return fallback

  @tf.function(reduce_retracing=True)
  def fn(x, y):
    out = discriminator(x, y, training=False)
    table = embed.table(False)  # [K, F] E / sigma(E), inference mode
    phi = out.features  # [B, F]
    linear = out.adv_logits - tf.reduce_sum(tf.gather(table, y) * phi, axis=1)  # [B] psi(phi)
    return out, linear[:, None] + tf.matmul(phi, table, transpose_b=True)  # [B, K]
  return fn


def checkpoint_margin(prefix: str) -> Optional[float]:
  """The MAGAN / EBGAN margin m stored in a checkpoint (`MarginState`), or None if it holds none."""
  from tfgan_mh import losses  # pylint: disable=g-import-not-at-top
  state = losses.MarginState()
  status = tf.train.Checkpoint(margin_state=state).read(prefix)
  try:
    status.assert_existing_objects_matched()
  except AssertionError:
    return None
  status.expect_partial()
  return float(state.margin.numpy())


def sample_inputs(num_samples: int, batch_size: int, z_dim: int, num_classes: int, seed: int,
                  truncation: Optional[float] = None) -> Iterator[Tuple[np.ndarray, np.ndarray, int]]:
  """The generator inputs of an evaluation: (z [bs, z_dim] float32, labels [bs] int32, b) per batch.

  z ~ N(0, I) from `seed` (with `truncation`: entries beyond it resampled from the same generator,
  `latents.truncate_numpy`); labels are a permutation (seed + 1) of i mod K over all samples, so classes are
  balanced. Every batch is full (static shapes); only its first b rows count (b < bs in the last one).
  """
  rng_z = np.random.default_rng(seed)
  labels = np.random.default_rng(seed + 1).permutation(np.arange(num_samples) % num_classes).astype(np.int32)
  for begin in range(0, num_samples, batch_size):
    b = min(batch_size, num_samples - begin)
    z = latents.truncate_numpy(rng_z.standard_normal((batch_size, z_dim), dtype=np.float32), truncation,
                               rng_z)  # [bs, z_dim]
    y = np.zeros([batch_size], np.int32)
    y[:b] = labels[begin:begin + b]
    yield z, y, b


def _np(t):
  return None if t is None else np.asarray(t)


class _Timer:
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


class _Reference:
  """Real-data statistics that do not change between checkpoints (computed once per job)."""

  def __init__(self):
    self.stats = None  # FeatureStats of the --inception features
    self.label_counts = None  # [K] real label counts (C_train of the AM Score)
    self.count = 0
    self.key = None


class _ClassReference:
  """Per-class real feature statistics of the intra-FID reference split (computed once per job)."""

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


class Evaluator:
  """Evaluates restored runs (`restore.Run`) with one `EvalConfig`; keeps extractors and real statistics.

  Args:
    config: EvalConfig (validated here).
    source: the run's `DataSource`; default `tfgan_mh.data.build_source()` from the run's gin config,
      built at the first evaluation.
  """

  def __init__(self, config: Optional[EvalConfig] = None, *, source=None):
    self.config = (config or EvalConfig()).validate()
    self._source = source
    self._extractors = {}
    self._reference = _Reference()
    self._class_reference = None  # (key, _ClassReference)
    self._validation_split = {}
    self._warned = set()

  def _warn_once(self, key, message):
    if key not in self._warned:
      self._warned.add(key)
      logging.warning("%s", message)

  def extractor(self, role: str):
    """The "inception" or "classifier" extractor of the config, loaded once (None if not configured)."""
    if role not in self._extractors:
      ext = resolve_extractor(getattr(self.config, role), role)
      if ext is not None:
        logging.info("%s extractor: %s (%d logits, %d-d features)", role, ext.name, ext.num_logits,
                     ext.feature_dim)
      self._extractors[role] = ext
    return self._extractors[role]

  def extractor_roles(self, image_shape) -> Tuple[str, ...]:
    """The extractors the configured metrics use on samples of `image_shape` (none for 2-D points)."""
    if len(tuple(image_shape)) != 3:
      return ()
    want = set(self.config.metrics)
    roles = []
    no_classifier = self.config.classifier is None or (isinstance(self.config.classifier, str)
                                                        and self.config.classifier in NO_EXTRACTOR)
    if want & set(INCEPTION_GROUPS) or ("pairwise_distance" in want and no_classifier):
      roles.append("inception")
    if want & set(CLASSIFIER_GROUPS + ("pairwise_distance", "ms_ssim")):
      roles.append("classifier")
    return tuple(roles)

  def prepare(self, run_info: Dict[str, Any]) -> None:
    """Loads the extractors a run needs, so that a bad spec fails before any checkpoint is evaluated."""
    for role in self.extractor_roles(run_info["image_shape"]):
      self.extractor(role)

  @property
  def source(self):
    if self._source is None:
      from tfgan_mh import data  # pylint: disable=g-import-not-at-top
      self._source = data.build_source()  # the run's data: load_run left its gin config parsed
    return self._source

  # --- real data ----------------------------------------------------------------------------------

  def _real_batches(self, split: str, limit: Optional[int]) -> Iterator[Tuple[np.ndarray, np.ndarray]]:
    """(x, y) numpy batches of `split` in file order, no example dropped, at most `limit` examples."""
    ds = self.source.input_fn(global_batch_size=1, split=split, training=False).unbatch()
    if limit is not None:
      ds = ds.take(limit)
    for x, y in ds.batch(self.config.batch_size).prefetch(2):
      yield x.numpy(), y.numpy()

  def validation_split(self) -> Optional[str]:
    """The split used for the discriminator-side metrics (None: the source has none, or "none")."""
    wanted = self.config.validation_split
    if wanted not in self._validation_split:
      found = None
      for name in (("validation", "test") if wanted == "auto" else () if wanted == "none" else (wanted,)):
        try:
          self.source.input_fn(global_batch_size=1, split=name, training=False)
          found = name
          break
        except ValueError as e:
          if wanted != "auto":
            raise ValueError(f"validation_split={wanted!r}: {str(e).splitlines()[0]}") from None
      self._validation_split[wanted] = found
    return self._validation_split[wanted]

  def intra_fid_split(self) -> str:
    """The split of the intra-FID reference: `intra_fid_split`, or for "auto" validation, else test, else train."""
    wanted = self.config.intra_fid_split
    if wanted != "auto":
      return wanted
    for name in ("validation", "test"):
      try:
        self.source.input_fn(global_batch_size=1, split=name, training=False)
        return name
      except ValueError:
        continue
    return "train"

  def class_reference(self, inception, per_class: Sequence[int], num_classes: int,
                      timer: _Timer) -> _ClassReference:
    """Streams the intra-FID reference split once through `inception`, per class; refuses too-small classes.

    Raises:
      ValueError: a class with fewer than `intra_fid_min_per_class` real samples (one line naming the counts).
    """
    cfg = self.config
    key = (inception.name, tuple(per_class), cfg.intra_fid_split, cfg.num_intra_fid_real)
    cached = self._class_reference
    if cached is not None and cached[0] == key:
      return cached[1]
    split = self.intra_fid_split()
    stats = metrics.ClassFeatureStats(inception.feature_dim, num_classes, classes=per_class)
    counts = np.zeros([num_classes], np.int64)
    with timer.stage("real_reference"):
      for x, y in self._real_batches(split, cfg.num_intra_fid_real):
        stats.update(inception(x)[1].numpy(), y)
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
    ref = _ClassReference(stats, split, counts, per_class)
    self._class_reference = (key, ref)
    return ref

  def reference(self, inception, *, features: bool, labels: bool, num_classes: int,
                timer: _Timer) -> _Reference:
    """Streams `num_real` real samples of `real_split` once: feature statistics and label counts."""
    cfg = self.config
    key = (getattr(inception, "name", None) if features else None, labels)
    ref = self._reference
    if ref.key == key:
      return ref
    limit = cfg.num_real or cfg.num_samples
    ref.stats = metrics.FeatureStats(inception.feature_dim) if features else None
    ref.label_counts = np.zeros([num_classes], np.int64)
    ref.count = 0
    with timer.stage("real_reference"):
      for x, y in self._real_batches(cfg.real_split, limit):
        if features:
          ref.stats.update(inception(x)[1].numpy())
        ref.label_counts += np.bincount(y, minlength=num_classes)[:num_classes]
        ref.count += len(y)
    if ref.count < 2:
      raise ValueError(f"split {cfg.real_split!r} of source {self.source.name!r} gave {ref.count} real samples: "
                       "need at least 2 for the FID reference")
    logging.info("real reference: %d samples of split %r%s", ref.count, cfg.real_split,
                 f" through {inception.name}" if features else "")
    ref.key = key
    return ref

  # --- one checkpoint ------------------------------------------------------------------------------

  def apply_standing_stats(self, run: restore.Run) -> Optional[Dict[str, Any]]:
    """Standing statistics (BigGAN §3) in the generator `evaluate` samples from, as configured; None when off.

    Changes only the batch-norm moving statistics of `run`'s restored generator (not the checkpoint).
    """
    cfg = self.config
    if not cfg.standing_stats_batches:
      return None
    return standing_stats.accumulate_standing_stats(
        run.sampler(cfg.use_ema), num_batches=cfg.standing_stats_batches,
        batch_size=cfg.standing_stats_batch_size, seed=cfg.seed, truncation=cfg.truncation)

  def base_protocol(self, run: restore.Run, split_protocol, inception, classifier) -> Dict[str, Any]:
    """The part of a record's "protocol" known before sampling (references are added as they are used)."""
    cfg = self.config
    k = run.num_classes
    return {
        "num_samples": cfg.num_samples, "seed": cfg.seed, **split_protocol,
        "eval_labels": (f"balanced: a seeded permutation of i mod {k}" if run.conditional
                        else "none (unconditional generator)"),
        "train_fake_labels": run.info.get("fake_labels", "uniform"),
        "inception": protocol_lib.extractor_protocol(inception),
        "classifier": protocol_lib.extractor_protocol(classifier),
        "generator_mode": "inference (batch-norm moving statistics)",
    }

  def evaluate(self, run: restore.Run) -> Dict[str, Any]:
    """Every configured metric the run supports, for one restored checkpoint.

    Returns:
      The metrics.jsonl record: step, checkpoint, generator ("ema_generator" | "generator"), the metric
      values, "absent" (group -> why it does not apply), "errors" (group -> message of a metric that
      failed), "timing" (seconds per stage). Keys starting with "_" hold arrays for TensorBoard only.
    """
    cfg = self.config
    timer = _Timer()
    start = time.perf_counter()
    if self._source is None:
      with timer.stage("data_source"):  # once per job: the run's dataset (MNIST: reads and resizes 60k images)
        _ = self.source
    k = run.num_classes
    image_shape = tuple(run.info["image_shape"])
    is_image = len(image_shape) == 3
    conditional = run.conditional
    disc = run.discriminator
    heads = set(getattr(disc, "heads", ())) if disc is not None else set()
    want = set(cfg.metrics)
    absent = {}

    def skip(group, reason):
      if group in want:
        absent[group] = reason

    roles = self.extractor_roles(image_shape)
    inception = self.extractor("inception") if "inception" in roles else None
    classifier = self.extractor("classifier") if "classifier" in roles else None
    split_protocol = protocol_lib.run_is_splits(run.info, cfg.num_splits)
    splits = split_protocol["is_splits"]
    if want & {"is", "classifier_is"}:
      check_splits(cfg.num_samples, splits)
    protocol = self.base_protocol(run, split_protocol, inception, classifier)
    not_images = f"samples are not images (shape {image_shape})"
    classifier_matches = classifier is not None and classifier.num_logits == k
    if classifier is not None and not classifier_matches:
      self._warn_once("classifier_k", f"the classifier {classifier.name} has {classifier.num_logits} logits but the "
                      f"run has {k} classes: AM Score, GAN-test and the class histogram are left out")

    split = self.validation_split() if (disc is not None and cfg.validation_split != "none") else None
    no_split = f"the source {self.source.name!r} has no validation/test split" if split is None else None
    active = []  # (group, StreamingMetric)

    # Inception-space metrics.
    if inception is None:
      for g in INCEPTION_GROUPS:
        skip(g, not_images if not is_image else "no --inception extractor")
    else:
      per_class = None
      if "intra_fid" in want and conditional:
        per_class = cfg.intra_fid_classes or tuple(range(k))
        per_class = tuple(c for c in per_class if c < k)
        need = 2 * len(per_class) * inception.feature_dim ** 2 * 8
        if need > cfg.max_stats_bytes:
          raise ValueError(f"intra-FID over {len(per_class)} classes of {inception.feature_dim}-d features needs "
                           f"{need / 2**30:.1f} GiB (> max_stats_bytes): pass intra_fid_classes "
                           "(--intra_fid_classes=0-99) to evaluate a chunk of classes")
      if "fid" in want:
        ref = self.reference(inception, features=True, labels=True, num_classes=k, timer=timer)
        protocol["fid_reference"] = {"split": cfg.real_split, "size": int(ref.count)}
        active.append(("fid", streaming.FIDMetric(ref.stats)))
      if "is" in want:
        active.append(("is", streaming.InceptionScoreMetric("inception", inception.num_logits, splits,
                                                            cfg.num_samples)))
      if "intra_fid" in want:
        if conditional:
          class_ref = self.class_reference(inception, per_class, k, timer)
          protocol["intra_fid_reference"] = class_ref.protocol(inception.feature_dim)
          active.append(("intra_fid", streaming.IntraClassFIDMetric(class_ref.stats, per_class)))
        else:
          skip("intra_fid", "unconditional generator (samples have no class)")

    # The GAN's own discriminator and classifier.
    has_c = bool(heads & set(_CLASSIFIER_HEADS))
    has_adv = bool(heads & {"projection", "adversarial"})
    no_d = "the run has no discriminator"
    if "validation_accuracy" in want:
      if not has_c:
        skip("validation_accuracy", no_d if disc is None else f"D has no classifier head (heads {sorted(heads)})")
      elif split is None:
        skip("validation_accuracy", no_split or no_d)
      else:
        active.append(("validation_accuracy", streaming.validation_accuracy()))
    if "self_accuracy" in want:
      if not has_c:
        skip("self_accuracy", no_d if disc is None else f"D has no classifier head (heads {sorted(heads)})")
      elif not conditional:
        skip("self_accuracy", "unconditional generator")
      else:
        active.append(("self_accuracy", streaming.self_accuracy()))
    if "d_accuracy" in want:
      if not has_adv:
        skip("d_accuracy", no_d if disc is None else f"D has no real/fake logit (heads {sorted(heads)})")
      else:
        if split is not None:
          active.append(("d_accuracy", streaming.d_real_accuracy()))
        active.append(("d_accuracy", streaming.d_fake_accuracy()))
    if "projection_accuracy" in want:
      if "projection" not in heads:
        skip("projection_accuracy", no_d if disc is None else f"D has no projection head (heads {sorted(heads)})")
      elif split is None:
        skip("projection_accuracy", no_split)
      else:
        active.append(("projection_accuracy", streaming.projection_accuracy()))
    if "energy" in want:
      if "energy" not in heads:
        skip("energy", no_d if disc is None else "D has no energy head (not an EBGAN / MAGAN run)")
      elif split is None:
        skip("energy", no_split)
      else:
        active.append(("energy", streaming.EnergyMetric(checkpoint_margin(run.checkpoint))))

    # The dataset classifier.
    no_classifier = not_images if not is_image else "no --classifier extractor"
    mismatch = (f"the classifier has {classifier.num_logits} classes, the run {k}"
                if classifier is not None else no_classifier)
    if "am_score" in want:
      if not classifier_matches:
        skip("am_score", mismatch)
      else:
        ref = self.reference(inception, features=False, labels=True, num_classes=k, timer=timer) \
            if self._reference.label_counts is None else self._reference
        active.append(("am_score", streaming.AMScoreMetric(streaming.train_marginal_from_counts(ref.label_counts))))
    if "classifier_is" in want:
      if classifier is None:
        skip("classifier_is", no_classifier)
      else:
        active.append(("classifier_is", streaming.InceptionScoreMetric("classifier", classifier.num_logits,
                                                                       splits, cfg.num_samples)))
    if "gan_test" in want:
      if not classifier_matches:
        skip("gan_test", mismatch)
      elif not conditional:
        skip("gan_test", "unconditional generator (samples have no class)")
      else:
        active.append(("gan_test", streaming.gan_test()))
    if "confidence" in want:
      if classifier is None or (conditional and not classifier_matches):
        skip("confidence", mismatch)
      else:
        active.append(("confidence", streaming.ConfidenceMetric(cfg.confidence_bins)))
    if "class_histogram" in want:
      if classifier is None:
        skip("class_histogram", no_classifier)
      else:
        active.append(("class_histogram", streaming.ClassHistogramMetric(classifier.num_logits)))
    if "ms_ssim" in want:
      if not is_image:
        skip("ms_ssim", not_images)
      elif not conditional and classifier is None:
        skip("ms_ssim", "unconditional generator and no --classifier to assign classes")
      else:
        active.append(("ms_ssim", streaming.MSSSIMMetric(
            k if conditional else classifier.num_logits, images_per_class=cfg.ms_ssim_images_per_class,
            pairs_per_class=cfg.ms_ssim_pairs_per_class, max_classes=cfg.ms_ssim_max_classes, seed=cfg.seed,
            label_source="conditioning" if conditional else "classifier")))
    if "pairwise_distance" in want:
      role = "classifier" if classifier is not None else "inception" if inception is not None else None
      if role is None:
        skip("pairwise_distance", not_images if not is_image else "no extractor to embed samples")
      else:
        active.append(("pairwise_distance", streaming.PairwiseDistanceMetric(
            role, base=cfg.pairwise_base, multiples=cfg.pairwise_multiples, trials=cfg.pairwise_trials,
            seed=cfg.seed)))
    if "mixture" in want:
      means, std = getattr(self.source, "means", None), getattr(self.source, "std", None)
      if is_image or means is None or std is None:
        skip("mixture", f"the source {self.source.name!r} is not a 2-D Gaussian mixture (no means / std)")
      else:
        from tfgan_mh.evaluation import point_metrics  # pylint: disable=g-import-not-at-top
        active.append(("mixture", point_metrics.MixtureMetric(means, std, seed=cfg.seed)))
    if "gan_train" in want:
      if not conditional:
        skip("gan_train", "unconditional generator (samples have no labels to train on)")
      elif split is None:
        skip("gan_train", no_split or no_d)
      else:
        active.append(("gan_train", streaming.GANTrainMetric(image_shape, k, epochs=cfg.gan_train_epochs,
                                                             batch_size=cfg.batch_size, seed=cfg.seed)))

    needs = set()
    for _, m in active:
      needs.update(m.needs)
    real_side = bool(needs & {"disc_real", "real_images"})
    fake_d = disc is not None and "disc_fake" in needs

    g = run.sampler(cfg.use_ema)
    which = "ema_generator" if (g is run.ema_generator and g is not None) else "generator"
    standing = None
    if cfg.standing_stats_batches:
      with timer.stage("standing_stats"):
        standing = self.apply_standing_stats(run)
      protocol["generator_mode"] = f"inference ({standing_stats.describe(standing)})"
    protocol["latents"] = latents.describe(cfg.truncation)
    self._warn_once(("generator", which), f"evaluating samples of the {which}"
                    + (" (the run has an EMA generator)" if run.ema_generator is not None else
                       " (the run has no EMA generator)"))
    generate = tf.function(lambda z, y: g(z, y, training=False), reduce_retracing=True)
    discriminate = None if disc is None else tf.function(lambda x, y: disc(x, y, training=False),
                                                         reduce_retracing=True)

    # Generated samples, streamed.
    n, bs = cfg.num_samples, cfg.batch_size
    for z, y, b in sample_inputs(n, bs, g.z_dim, k, cfg.seed, cfg.truncation):
      with timer.stage("generator"):
        x = generate(tf.constant(z), tf.constant(y) if conditional else None)
        x_np = x.numpy()
      batch = streaming.FakeBatch(images=x_np[:b], labels=y[:b] if conditional else None)
      if "inception" in needs:
        with timer.stage("inception"):
          batch.inception = tuple(t.numpy() for t in inception(x_np[:b]))
      if "classifier" in needs:
        with timer.stage("classifier"):
          batch.classifier = tuple(t.numpy() for t in classifier(x_np[:b]))
      if fake_d:
        with timer.stage("discriminator"):
          out = discriminate(x, tf.constant(y) if conditional else None)
          batch.class_logits = _np(d_class_logits(out, k))
          batch.adv_logits, batch.energy = _np(out.adv_logits), _np(out.energy)
        for field in ("class_logits", "adv_logits", "energy"):
          if getattr(batch, field) is not None:
            setattr(batch, field, getattr(batch, field)[:b])
      with timer.stage("metric_math"):
        for _, m in active:
          m.update_fake(batch)

    # Real validation data through D.
    num_validation = 0
    if real_side and split is not None:
      proj = projection_matrix_fn(disc, k) if "projection" in needs else None
      for x, y in self._real_batches(split, cfg.num_validation):
        with timer.stage("discriminator"):
          if proj is not None:
            out, matrix = proj(tf.constant(x), tf.constant(y))
          else:
            out, matrix = discriminate(tf.constant(x), tf.constant(y)), None
          rb = streaming.RealBatch(images=x, labels=y, class_logits=_np(d_class_logits(out, k)),
                                   adv_logits=_np(out.adv_logits), projection=_np(matrix), energy=_np(out.energy))
        num_validation += len(y)
        with timer.stage("metric_math"):
          for _, m in active:
            m.update_real(rb)

    values, errors = {}, {}
    with timer.stage("metric_math"):
      for group, m in active:
        try:
          values.update(m.result())
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as e:
          errors[group] = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
          logging.warning("step %d: metric %s failed: %s", run.step, group, errors[group])
    timer.seconds["total"] = time.perf_counter() - start
    protocol["generator"] = which
    if real_side and split is not None:
      protocol["validation_reference"] = {"split": split, "size": num_validation}
    record = dict(step=run.step, checkpoint=run.checkpoint, generator=which, num_samples=n,
                  truncation=cfg.truncation, standing_stats=standing,
                  inception=getattr(inception, "name", None), classifier=getattr(classifier, "name", None),
                  validation_split=split, num_validation=num_validation, absent=absent, errors=errors,
                  protocol=protocol, timing={k_: round(v, 3) for k_, v in sorted(timer.seconds.items())})
    record.update(values)
    return record


def evaluate_checkpoint(run: restore.Run, config: Optional[EvalConfig] = None, **kwargs) -> Dict[str, Any]:
  """Evaluates one restored checkpoint (`restore.load_run(model_dir, which)`); see `Evaluator.evaluate`."""
  return Evaluator(config, **kwargs).evaluate(run)


# --- summaries ------------------------------------------------------------------------------------

_NOT_SUMMARISED = ("step", "num_samples", "num_validation", "wall_time", "checkpoint_time", "truncation")


def write_summaries(writer, record: Dict[str, Any]) -> None:
  """TensorBoard: every float of the record as a scalar, per-class lists (K <= 100) as scalars under
  key/NNN, the confidence values as a histogram."""
  step = int(record["step"])
  with writer.as_default(step=step):
    for key, value in sorted(record.items()):
      if key in _NOT_SUMMARISED or isinstance(value, bool):
        continue
      if key.startswith("_"):
        tf.summary.histogram(key[1:], np.asarray(value), step=step)
      elif isinstance(value, (int, float)) and math.isfinite(value):
        tf.summary.scalar(key, float(value), step=step)
      elif (isinstance(value, list) and 0 < len(value) <= 100
            and all(v is None or isinstance(v, (int, float)) for v in value)):
        for i, v in enumerate(value):
          if v is not None and math.isfinite(v):
            tf.summary.scalar(f"{key}/{i:03d}", float(v), step=step)
    for stage, seconds in record.get("timing", {}).items():
      tf.summary.scalar(f"timing/{stage}_seconds", seconds, step=step)
  writer.flush()


# --- the best checkpoint -------------------------------------------------------------------------

def export_generator(run: restore.Run, path: str, use_ema: bool, **options) -> str:
  """`tfgan_mh.export.export_generator`: serving (z, labels) -> uint8 images, written atomically to `path`.

  `options`: its `truncation` and `standing_stats` (recorded in the export's metadata)."""
  from tfgan_mh import export as export_lib  # pylint: disable=g-import-not-at-top
  return export_lib.export_generator(run, path, use_ema=use_ema, overwrite=True, **options)


class BestTracker:
  """Keeps MODEL_DIR/eval/best.json and the SavedModel in MODEL_DIR/eval/best on the best checkpoint so far.

  On start it takes the best value from best.json when that file names the same metric and direction;
  otherwise (no file, another metric) it picks the best checkpoint among the records already in
  metrics.jsonl whose files still exist and exports it, so best.json always matches metrics.jsonl.
  With an `evaluator`, the export is of the generator as it evaluates it: its standing statistics applied,
  its truncation in the export's `sample` signature.
  """

  def __init__(self, model_dir: str, metric: Optional[str], mode: str, use_ema: bool, records: Sequence[dict],
               evaluator: Optional[Evaluator] = None):
    self.model_dir = model_dir
    self.evaluator = evaluator
    self.eval_dir = f"{model_dir}/{records_lib.EVAL_DIR}"
    self.path = f"{self.eval_dir}/{records_lib.BEST_FILE}"
    self.saved_model = f"{self.eval_dir}/{records_lib.BEST_SAVED_MODEL}"
    self.metric, self.mode, self.use_ema = metric, mode, use_ema
    self.value = None
    self._warned = False
    if metric is None:
      return
    current = records_lib.read_json(self.path)
    if current and current.get("metric") == metric and current.get("mode") == mode and \
        current.get("value") is not None:
      self.value = float(current["value"])
      return
    if current:
      logging.warning("%s holds the best checkpoint by %s (%s); choosing again by %s (%s)", self.path,
                      current.get("metric"), current.get("mode"), metric, mode)
    candidates = [r for r in records if isinstance(r.get(metric), (int, float))]
    candidates.sort(key=lambda r: r[metric], reverse=(mode == "max"))
    for r in candidates:
      prefix = r.get("checkpoint", "")
      if prefix and tf.io.gfile.exists(prefix + ".index"):
        try:
          run = restore.load_run(model_dir, prefix)
        except ValueError as e:
          logging.warning("cannot restore %s to export it as best: %s", prefix, e)
          continue
        standing = self.evaluator.apply_standing_stats(run) if self.evaluator is not None else None
        self._save(run, float(r[metric]), r, standing)
        return

  def better(self, value) -> bool:
    if value is None or not math.isfinite(value):
      return False
    if self.value is None:
      return True
    return value < self.value if self.mode == "min" else value > self.value

  def consider(self, record: Dict[str, Any], run: restore.Run) -> bool:
    """Exports `run`'s generator and rewrites best.json if `record` beats the best so far."""
    if self.metric is None:
      return False
    value = record.get(self.metric)
    if value is None:
      if not self._warned:
        self._warned = True
        logging.warning("best metric %s was not computed for step %d (%s): no best export", self.metric,
                        record["step"], record.get("absent", {}).get(BEST_METRICS[self.metric][0])
                        or record.get("errors", {}).get(BEST_METRICS[self.metric][0]) or "absent")
      return False
    if not self.better(float(value)):
      return False
    self._save(run, float(value), record, record.get("standing_stats"))
    return True

  def _save(self, run, value, record, standing=None):
    saved = self.saved_model
    truncation = self.evaluator.config.truncation if self.evaluator is not None else None
    try:
      export_generator(run, saved, self.use_ema, truncation=truncation, standing_stats=standing)
    except Exception as e:  # the job must go on: best.json still names the checkpoint # pylint: disable=broad-except
      first = str(e).strip().splitlines()[0] if str(e).strip() else ""
      logging.warning("could not export the best generator to %s (%s: %s); best.json still names the "
                      "checkpoint", saved, type(e).__name__, first)
      saved = None
    records_lib.write_json_atomic(self.path, dict(
        checkpoint=run.checkpoint, step=int(run.step), metric=self.metric, value=value, mode=self.mode,
        generator=record.get("generator"), truncation=truncation, standing_stats=standing, saved_model=saved,
        wall_time=time.time()))
    self.value = value
    logging.info("best %s so far: %.6g at step %d -> %s", self.metric, value, run.step, saved or self.path)


# --- the watcher ---------------------------------------------------------------------------------

def _checkpoint_present(prefix: str) -> bool:
  return tf.io.gfile.exists(prefix + ".index") and bool(tf.io.gfile.glob(prefix + ".data-*"))


def _has_run(model_dir: str) -> bool:
  return tf.io.gfile.exists(f"{model_dir}/{restore.RUN_INFO}")


def check_model_dir(model_dir: str, *, wait_for_run: bool) -> None:
  """ValueError (one line) if model_dir is not a run directory (unless `wait_for_run` and it may become one)."""
  if tf.io.gfile.exists(model_dir) and not tf.io.gfile.isdir(model_dir):
    raise ValueError(f"model_dir {model_dir!r} is a file: pass the run directory given to tfgan_mh.train")
  if _has_run(model_dir):
    return
  if tf.io.gfile.isdir(model_dir):
    runs = sorted(d.rstrip("/") for d in tf.io.gfile.listdir(model_dir)
                  if tf.io.gfile.exists(f"{model_dir}/{d.rstrip('/')}/{restore.RUN_INFO}"))
    if runs:
      raise ValueError(f"model_dir {model_dir!r} holds runs ({', '.join(runs[:5])}), it is not one: pass one "
                       "of them")
  if not wait_for_run:
    state = "does not exist" if not tf.io.gfile.exists(model_dir) else f"has no {restore.RUN_INFO}"
    raise ValueError(f"model_dir {model_dir!r} {state}: not a tfgan_mh run, or training has not started yet "
                     "(pass --wait_for_run to wait for it)")


def _summary(record):
  keys = ("fid", "is_mean", "intra_fid_mean", "classifier_is_mean", "am_score", "validation_accuracy",
          "self_accuracy", "d_real_accuracy", "projection_accuracy", "gan_test", "gan_train", "ms_ssim_max",
          "energy_gap", "ring_high_quality_2std", "ring_modes_covered", "ring_own_mode_share",
          "ring_energy_distance")
  shown = " ".join(f"{k}={record[k]:.4g}" for k in keys if isinstance(record.get(k), (int, float)))
  return f"step {record['step']} ({record['generator']}): {shown or 'no scalar metric'} " \
         f"[{record['timing'].get('total', 0):.1f} s]"


def watch(model_dir: str, config: Optional[EvalConfig] = None, *, once: bool = False,
          timeout: Optional[float] = 3 * 3600.0, poll_secs: float = 60.0, wait_for_run: bool = False,
          evaluator: Optional[Evaluator] = None) -> str:
  """Follows `model_dir` and evaluates its checkpoints (module docstring).

  Args:
    model_dir: the run directory (local or gs://).
    config: EvalConfig (ignored when `evaluator` is given).
    once: evaluate the latest checkpoint (unless it is already in metrics.jsonl) and return.
    timeout: stop after this many seconds without a new checkpoint (None: wait forever).
    poll_secs: how often to look for new checkpoints and TRAIN_DONE (>= 1).
    wait_for_run: wait for a run to appear in model_dir instead of failing.
    evaluator: an `Evaluator` to reuse (its extractors and real statistics).

  Returns:
    "done" (TRAIN_DONE and every checkpoint evaluated), "timeout", or "once".

  Raises:
    ValueError: bad model_dir or config (one line; metrics.jsonl is never truncated).
  """
  model_dir = str(model_dir).rstrip("/")
  evaluator = evaluator or Evaluator(config)
  cfg = evaluator.config
  if not poll_secs >= 1:
    raise ValueError(f"poll_secs={poll_secs!r}: expected >= 1 second")
  if timeout is not None and not timeout > 0:
    raise ValueError(f"timeout={timeout!r}: expected a positive number of seconds (or None to wait forever)")
  check_model_dir(model_dir, wait_for_run=wait_for_run and not once)
  last_activity = time.time()
  while not _has_run(model_dir):
    if timeout is not None and time.time() - last_activity > timeout:
      logging.warning("no run appeared in %s within %.0f s: stopping", model_dir, timeout)
      return "timeout"
    logging.info("waiting for training to start in %s", model_dir)
    time.sleep(poll_secs)

  evaluator.prepare(restore.read_run_info(model_dir))
  eval_dir = f"{model_dir}/{records_lib.EVAL_DIR}"
  tf.io.gfile.makedirs(eval_dir)
  metrics_path = f"{eval_dir}/{records_lib.METRICS_FILE}"
  existing = records_lib.read_records(metrics_path)
  done = {int(r["step"]) for r in existing if "step" in r}
  if done:
    logging.info("%s already holds steps %s: not evaluated again", metrics_path, _steps_text(done))
  _warn_if_settings_changed(existing, cfg, metrics_path)
  best = BestTracker(model_dir, cfg.best_metric, cfg.resolved_best_mode, cfg.use_ema, existing, evaluator)
  writer = tf.summary.create_file_writer(eval_dir)
  skipped = set()

  def evaluate(step, prefix):
    try:
      run = restore.load_run(model_dir, prefix)
    except ValueError as e:
      if _checkpoint_present(prefix):
        raise
      logging.warning("checkpoint %s (step %d) was deleted before it could be evaluated: skipped (%s)", prefix,
                      step, str(e).splitlines()[0])
      skipped.add(prefix)
      return False
    record = evaluator.evaluate(run)
    record["wall_time"] = time.time()
    try:
      record["checkpoint_time"] = tf.io.gfile.stat(prefix + ".index").mtime_nsec / 1e9
    except tf.errors.OpError:  # deleted since the restore
      pass
    records_lib.append_record(metrics_path, {k: v for k, v in record.items() if not k.startswith("_")})
    done.add(step)
    write_summaries(writer, record)
    best.consider(record, run)
    logging.info("%s", _summary(record))
    return True

  def pending():
    return [(s, p) for s, p in restore.list_checkpoints(model_dir) if s not in done and p not in skipped]

  def sweep():
    return sum(evaluate(s, p) for s, p in pending())

  train_done = lambda: tf.io.gfile.exists(f"{model_dir}/{TRAIN_DONE}")  # noqa: E731

  if once:
    checkpoints = restore.list_checkpoints(model_dir)
    if not checkpoints:
      raise ValueError(f"model_dir {model_dir!r} has no checkpoint yet (no ckpt-N.index)")
    step, prefix = checkpoints[-1]
    if step in done:
      logging.info("the latest checkpoint (step %d) is already in %s: nothing to do", step, metrics_path)
    else:
      evaluate(step, prefix)
    return "once"

  timed_out = []

  next_check = [0.0]

  def stop():
    if train_done():
      return True
    if timeout is not None and time.time() - last_activity > timeout:
      timed_out.append(True)
      return True
    # checkpoints_iterator's wait sleeps in steps of 1 s and returns at once when its timeout is shorter than
    # that: pace the looks here so they happen every poll_secs.
    time.sleep(max(0.0, next_check[0] - time.time()))
    next_check[0] = time.time() + poll_secs
    return False

  for _ in tf.train.checkpoints_iterator(model_dir, timeout=poll_secs, timeout_fn=stop):
    if sweep():
      last_activity = time.time()
    if train_done() and not pending():
      break
  sweep()  # checkpoints written after the last wake-up (TRAIN_DONE follows the last save)
  writer.close()
  if timed_out and not train_done():
    logging.warning("no new checkpoint in %s for %.0f s and no %s: stopping", model_dir, timeout, TRAIN_DONE)
    return "timeout"
  logging.info("%s exists and every checkpoint is evaluated: done", TRAIN_DONE)
  return "done"


def _warn_if_settings_changed(existing: Sequence[dict], cfg: EvalConfig, metrics_path: str) -> None:
  """Warns when the records already there were sampled with another truncation / standing statistics."""
  want = (cfg.truncation, cfg.standing_stats_batches or None, cfg.standing_stats_batch_size)
  for r in existing:
    s = r.get("standing_stats") or {}
    if (r.get("truncation"), s.get("batches"), s.get("batch_size", cfg.standing_stats_batch_size)) != want:
      logging.warning("%s: step %s was sampled with truncation=%s, standing_stats=%s; this job uses "
                      "truncation=%s, standing_stats_batches=%d: the curve mixes the two", metrics_path,
                      r.get("step"), r.get("truncation"), r.get("standing_stats"), cfg.truncation,
                      cfg.standing_stats_batches)
      return


def _steps_text(steps):
  steps = sorted(steps)
  return ", ".join(map(str, steps)) if len(steps) <= 10 else f"{steps[0]} ... {steps[-1]} ({len(steps)})"
