"""Per-checkpoint streaming wrappers that feed the eval job's batches to `tfgan_mh.metrics`.

The eval job (`tfgan_mh.evaluation.job`) pushes every batch of generated samples (`FakeBatch`) and of real
validation data (`RealBatch`) through the networks and extractors once, then hands it to each active
metric's `update_fake` / `update_real`; `result()` returns that metric's entries of the metrics.jsonl record.
The math is `tfgan_mh.metrics`'; these classes only keep the streaming state, whose size does not grow with
the number of samples beyond O(samples) scalars: feature statistics are O(d^2) (`FeatureStats`), IS / AM
Score O(splits x K), and the few pools are bounded by their own settings (MS-SSIM images per class,
pairwise-distance embeddings, GAN-train images when that opt-in metric is on).

Result values: floats, lists (histograms, per-class values; None where a class has no value), and, under
keys starting with "_", arrays for TensorBoard only (not written to metrics.jsonl).
"""

import dataclasses
import functools
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from tfgan_mh import metrics
from tfgan_mh.metrics import am_score as am_score_lib
from tfgan_mh.metrics import class_histogram as class_histogram_lib
from tfgan_mh.metrics import fid as fid_lib
from tfgan_mh.metrics import ms_ssim as ms_ssim_lib

Outputs = Tuple[np.ndarray, np.ndarray]  # (logits [b, L], features [b, d]) of an extractor


@dataclasses.dataclass
class FakeBatch:
  """One batch of generated samples and what the job computed on it (None: not needed / not available)."""
  images: np.ndarray  # [b, *image_shape] float32 in [-1, 1] (raw coordinates for 2-D data)
  labels: Optional[np.ndarray]  # [b] int conditioning labels y of G(z, y); None for an unconditional G
  inception: Optional[Outputs] = None  # the --inception extractor (IS / FID space)
  classifier: Optional[Outputs] = None  # the --classifier extractor (dataset classifier)
  class_logits: Optional[np.ndarray] = None  # [b, K] the GAN's own classifier C (D's head)
  adv_logits: Optional[np.ndarray] = None  # [b] D's real/fake logit
  energy: Optional[np.ndarray] = None  # [b] auto-encoder energy D(G(z))


@dataclasses.dataclass
class RealBatch:
  """One batch of real validation data and D's outputs on it."""
  images: np.ndarray  # [b, *image_shape]
  labels: np.ndarray  # [b] true labels
  class_logits: Optional[np.ndarray] = None  # [b, K]
  adv_logits: Optional[np.ndarray] = None  # [b] D(x, y) with the true y
  projection: Optional[np.ndarray] = None  # [b, K] D(x, k) for every k (000 Fig. 2b)
  energy: Optional[np.ndarray] = None  # [b]


class StreamingMetric:
  """Base: `needs` names the batch fields it reads; subclasses override the updates and `result`."""

  needs: Tuple[str, ...] = ()

  def update_fake(self, batch: FakeBatch) -> None:
    del batch

  def update_real(self, batch: RealBatch) -> None:
    del batch

  def result(self) -> Dict[str, Any]:
    raise NotImplementedError


class InceptionScoreMetric(StreamingMetric):
  """IS with `num_splits` splits (mean, std) and its decomposition H(C_G), E[H(C(x))] (001 Eq. (21)-(22)).

  `role` "inception" gives the ImageNet-style IS (keys is_*), "classifier" the dataset-classifier IS of 004
  §5 (keys classifier_is_*).
  """

  def __init__(self, role: str, num_logits: int, num_splits: int, num_samples: int):
    self.role = role
    self.needs = (role,)
    self.prefix = "is" if role == "inception" else "classifier_is"
    self.acc = metrics.InceptionScoreAccumulator(num_logits, num_splits, num_samples=num_samples)

  def update_fake(self, batch):
    logits, _ = getattr(batch, self.role)
    self.acc.update(logits=logits)

  def result(self):
    r = self.acc.result()
    p = self.prefix
    return {f"{p}_mean": r.mean, f"{p}_std": r.std, f"{p}_marginal_entropy": r.marginal_entropy,
            f"{p}_mean_sample_entropy": r.mean_sample_entropy}


class FIDMetric(StreamingMetric):
  """FID (Heusel et al. 2017 Eq. (6)) of the generated features against streamed real statistics."""

  needs = ("inception",)

  def __init__(self, real: metrics.FeatureStats):
    self.real = real
    self.fake = metrics.FeatureStats(real.dim)

  def update_fake(self, batch):
    self.fake.update(batch.inception[1])

  def result(self):
    r = metrics.frechet_distance(self.real.mean, self.real.cov, self.fake.mean, self.fake.cov)
    return {"fid": r.fid, "fid_mean_term": r.mean_term, "fid_trace_term": r.trace_term}


class IntraClassFIDMetric(StreamingMetric):
  """Intra-class FID per class and its mean (000 Fig. 4c); samples routed by their conditioning label."""

  needs = ("inception",)

  def __init__(self, real: metrics.ClassFeatureStats, classes: Optional[Sequence[int]] = None):
    self.real = real
    self.fake = metrics.ClassFeatureStats(real.dim, real.num_classes, classes=classes)

  def update_fake(self, batch):
    self.fake.update(batch.inception[1], batch.labels)

  def result(self):
    real_n, fake_n = self.real.counts(), self.fake.counts()
    classes = [c for c in range(self.real.num_classes) if real_n[c] >= 2 and fake_n[c] >= 2]
    if not classes:
      raise ValueError("no class has 2 or more real and generated samples")
    r = fid_lib.intra_class_fid(self.real, self.fake, classes=classes)
    per_class = [r.per_class.get(c) for c in range(self.real.num_classes)]
    return {"intra_fid_mean": r.mean, "intra_fid_per_class": per_class,
            "intra_fid_num_classes": len(classes)}


class AccuracyMetric(StreamingMetric):
  """Streams the per-example correctness of one of `tfgan_mh.metrics.accuracy`'s measures.

  Args:
    key: record key.
    side: "fake" (generated batches) or "real" (validation batches).
    correct_fn: batch -> [b] bool (calls a `tfgan_mh.metrics` function with reduce=False).
    needs: batch fields it reads.
  """

  def __init__(self, key: str, side: str, correct_fn, needs: Tuple[str, ...]):
    self.key, self.side, self.correct_fn, self.needs = key, side, correct_fn, needs
    self.correct = 0
    self.count = 0

  def _add(self, batch):
    c = np.asarray(self.correct_fn(batch))
    self.correct += int(c.sum())
    self.count += int(c.size)

  def update_fake(self, batch):
    if self.side == "fake":
      self._add(batch)

  def update_real(self, batch):
    if self.side == "real":
      self._add(batch)

  def result(self):
    if not self.count:
      raise ValueError(f"{self.key}: no {self.side} samples were seen")
    return {self.key: self.correct / self.count}


def validation_accuracy():
  """The GAN's classifier C on real validation data, argmax_k C_k(x) = y (000 §3.2)."""
  return AccuracyMetric("validation_accuracy", "real", lambda b: metrics.classifier_accuracy(
      logits=b.class_logits, labels=b.labels, reduce=False), ("disc_real",))


def self_accuracy():
  """argmax_k C_k(G(z, y)) = y with the GAN's own classifier (000 §3.2)."""
  return AccuracyMetric("self_accuracy", "fake", lambda b: metrics.self_accuracy(
      logits=b.class_logits, labels=b.labels, reduce=False), ("disc_fake",))


def d_real_accuracy():
  """D's accuracy on real validation data: adversarial logit D(x, y) > 0 (000 Fig. 7b)."""
  return AccuracyMetric("d_real_accuracy", "real", lambda b: metrics.discriminator_real_accuracy(
      adv_logits=b.adv_logits, reduce=False), ("disc_real",))


def d_fake_accuracy():
  """D's accuracy on generated samples: adversarial logit < 0."""
  return AccuracyMetric("d_fake_accuracy", "fake", lambda b: metrics.discriminator_fake_accuracy(
      adv_logits=b.adv_logits, reduce=False), ("disc_fake",))


def projection_accuracy():
  """The projection discriminator as a classifier, argmax_k D(x, k) = y on real validation data (000 §3.2)."""
  return AccuracyMetric("projection_accuracy", "real", lambda b: metrics.projection_accuracy(
      projection_logits=b.projection, labels=b.labels, reduce=False), ("disc_real", "projection"))


def gan_test():
  """GAN-test (003 §4.4): the real-data classifier's accuracy on G(z, y) labelled y."""
  return AccuracyMetric("gan_test", "fake", lambda b: metrics.classifier_accuracy(
      logits=b.classifier[0], labels=b.labels, reduce=False), ("classifier",))


class AMScoreMetric(StreamingMetric):
  """AM Score = KL(C_train || C_G) + E_x[H(C(x))] with the dataset classifier (001 Eq. (23)); lower is better."""

  needs = ("classifier",)

  def __init__(self, train_marginal: np.ndarray):
    self.train_marginal = np.asarray(train_marginal, np.float64)
    self.acc = metrics.InceptionScoreAccumulator(self.train_marginal.shape[0], 1)  # streams C_G, E[H]

  def update_fake(self, batch):
    self.acc.update(logits=batch.classifier[0])

  def result(self):
    r = metrics.am_score_from_stats(sample_marginal=self.acc.marginal,
                                    mean_sample_entropy=self.acc.mean_sample_entropy,
                                    train_marginal=self.train_marginal)
    return {"am_score": r.score, "am_score_kl": r.kl_term, "am_score_entropy": r.entropy_term}


class ConfidenceMetric(StreamingMetric):
  """Distribution and mean of the dataset classifier's confidence on samples (003 Fig. 6).

  C_y(x) of the conditioning class for a conditional G, max_k C_k(x) for an unconditional one.
  """

  needs = ("classifier",)

  def __init__(self, num_bins: int):
    self.num_bins = int(num_bins)
    self.counts = np.zeros([self.num_bins], np.int64)
    self.values = []  # [b] per batch: O(samples) scalars, for the TensorBoard histogram

  def update_fake(self, batch):
    c = metrics.confidence_distribution(logits=batch.classifier[0], labels=batch.labels,
                                        num_bins=self.num_bins)
    self.counts += c.counts
    self.values.append(c.values.astype(np.float32))

  def result(self):
    values = np.concatenate(self.values)
    return {"confidence_mean": float(values.mean(dtype=np.float64)),
            "confidence_histogram": self.counts.tolist(), "_confidence": values}


class ClassHistogramMetric(StreamingMetric):
  """Fraction of samples per class as the dataset classifier labels them (004 Fig. 1a)."""

  needs = ("classifier",)

  def __init__(self, num_classes: int):
    self.num_classes = int(num_classes)
    self.counts = np.zeros([self.num_classes], np.int64)

  def update_fake(self, batch):
    self.counts += class_histogram_lib.class_histogram(num_classes=self.num_classes,
                                                       logits=batch.classifier[0]).counts

  def result(self):
    fractions = self.counts / max(int(self.counts.sum()), 1)  # [K], as class_histogram's
    return {"class_histogram": fractions.tolist(), "class_histogram_min": float(fractions.min()),
            "class_histogram_max": float(fractions.max())}


class MSSSIMMetric(StreamingMetric):
  """Mean MS-SSIM of random same-class pairs per class, their mean and max (001 §7, Table 2).

  Keeps the first `images_per_class` samples of each of the first `max_classes` classes as uint8 pixels
  (what a saved sample is; MS-SSIM is computed on them with value_range (0, 255)). Classes are the
  conditioning labels, or the dataset classifier's argmax for an unconditional G (`label_source`).
  28-32 px images use the reduced scales of `tfgan_mh.metrics.ms_ssim.ms_ssim_params` (3 scales, 7-px window).
  """

  def __init__(self, num_classes: int, *, images_per_class: int, pairs_per_class: int, max_classes: int,
               seed: int, label_source: str):
    self.num_classes = int(num_classes)
    self.cap = int(images_per_class)
    self.pairs = int(pairs_per_class)
    self.kept_classes = min(self.num_classes, int(max_classes))
    self.seed = seed
    self.label_source = label_source
    self.needs = ("classifier",) if label_source == "classifier" else ()
    self.images = {}  # class -> list of uint8 [H, W, C]

  def update_fake(self, batch):
    labels = batch.labels if self.label_source == "conditioning" else np.argmax(batch.classifier[0], 1)
    for c in np.unique(labels):
      c = int(c)
      if c >= self.kept_classes:
        continue
      pool = self.images.setdefault(c, [])
      room = self.cap - len(pool)
      if room > 0:
        x = batch.images[labels == c][:room]
        pool.extend(np.clip(np.round((x + 1.0) * 127.5), 0, 255).astype(np.uint8))

  def result(self):
    labels = np.concatenate([np.full(len(v), c) for c, v in self.images.items()] or [np.zeros([0])])
    images = np.stack([im for v in self.images.values() for im in v]) if labels.size else None
    if images is None:
      raise ValueError("no samples were kept")
    r = ms_ssim_lib.intra_class_ms_ssim(images, labels.astype(np.int64), num_classes=self.num_classes,
                                        pairs_per_class=self.pairs, seed=self.seed, value_range=(0.0, 255.0))
    per_class = [None if np.isnan(v) else float(v) for v in r.per_class[:self.kept_classes]]
    return {"ms_ssim_mean": r.mean, "ms_ssim_max": r.max, "ms_ssim_per_class": per_class,
            "ms_ssim_labels": self.label_source}


class PairwiseDistanceMetric(StreamingMetric):
  """Mean pairwise embedding distance of batches of n * base samples, over trials (002 Fig. 3 iv).

  Embeddings are the features of `role`'s extractor (002 uses a DenseNet trained on the data: the dataset
  classifier when given, else Inception's pool_3). Keeps the first max(n) * base embeddings.
  """

  def __init__(self, role: str, *, base: int, multiples: Sequence[int], trials: int, seed: int):
    self.role = role
    self.needs = (role,)
    self.base, self.trials, self.seed = int(base), int(trials), seed
    self.multiples = sorted(int(n) for n in multiples)
    self.capacity = self.multiples[-1] * self.base
    self.pool = []
    self.kept = 0

  def update_fake(self, batch):
    if self.kept < self.capacity:
      f = np.asarray(getattr(batch, self.role)[1][:self.capacity - self.kept], np.float32)
      self.pool.append(f)
      self.kept += f.shape[0]

  def result(self):
    e = np.concatenate(self.pool)
    multiples = [n for n in self.multiples if n * self.base <= e.shape[0]]
    if not multiples:
      raise ValueError(f"{e.shape[0]} samples are fewer than the smallest batch {self.multiples[0] * self.base}")
    curve = metrics.pairwise_distance_curve(e, base=self.base, multiples=multiples, num_trials=self.trials,
                                            seed=self.seed)
    out = {}
    for size, mean, std in zip(curve.batch_sizes, curve.mean, curve.std):
      out[f"pairwise_distance_{size}"] = float(mean)
      out[f"pairwise_distance_{size}_std"] = float(std)
    return out


class EnergyMetric(StreamingMetric):
  """MAGAN / EBGAN real and generated energies and the margin from the checkpoint (004 Eq. (1)-(2))."""

  needs = ("disc_real", "disc_fake")

  def __init__(self, margin: Optional[float]):
    self.margin = margin
    self.real, self.fake = [], []  # O(samples) scalars

  def update_fake(self, batch):
    self.fake.append(np.asarray(batch.energy, np.float64).reshape(-1))

  def update_real(self, batch):
    self.real.append(np.asarray(batch.energy, np.float64).reshape(-1))

  def result(self):
    r = metrics.energy_statistics(real_energy=np.concatenate(self.real or [np.zeros([0])]),
                                  fake_energy=np.concatenate(self.fake or [np.zeros([0])]), margin=self.margin)
    return {"energy_real_mean": r.real_mean, "energy_real_std": r.real_std, "energy_fake_mean": r.fake_mean,
            "energy_fake_std": r.fake_std, "energy_gap": r.gap, "margin": r.margin,
            "energy_fake_inside_margin": r.fake_inside_margin}


class GANTrainMetric(StreamingMetric):
  """GAN-train (003 §4.4): a fresh small classifier trained on the generated samples (labels y), tested on
  the real validation data. Keeps every sample in memory (O(samples x image)): opt-in."""

  needs = ("real_images",)

  def __init__(self, image_shape: Sequence[int], num_classes: int, *, epochs: int, batch_size: int, seed: int):
    self.image_shape = tuple(image_shape)
    self.num_classes = int(num_classes)
    self.epochs, self.batch_size, self.seed = int(epochs), int(batch_size), seed
    self.fake_x, self.fake_y, self.real_x, self.real_y = [], [], [], []

  def update_fake(self, batch):
    self.fake_x.append(np.asarray(batch.images, np.float32))
    self.fake_y.append(np.asarray(batch.labels))

  def update_real(self, batch):
    self.real_x.append(np.asarray(batch.images, np.float32))
    self.real_y.append(np.asarray(batch.labels))

  def result(self):
    if not self.real_x:
      raise ValueError("no real validation data to test the GAN-train classifier on")
    r = metrics.gan_train(
        make_classifier=functools.partial(metrics.build_small_classifier, self.image_shape, self.num_classes),
        x_generated=np.concatenate(self.fake_x), y_generated=np.concatenate(self.fake_y),
        x_test=np.concatenate(self.real_x), y_test=np.concatenate(self.real_y), epochs=self.epochs,
        batch_size=self.batch_size, seed=self.seed)
    return {"gan_train": r.accuracy}


def train_marginal_from_counts(counts: np.ndarray) -> np.ndarray:
  """C_train of 001 Eq. (23) from per-class label counts of the real (training) stream."""
  counts = np.asarray(counts, np.int64)
  return am_score_lib.label_marginal(np.repeat(np.arange(counts.shape[0]), counts), counts.shape[0])
