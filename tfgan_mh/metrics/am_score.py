"""AM Score, Eq. (23) of Zhou et al. 2018 (AM-GAN), §6.4.

    AM Score = KL(C_train || C_G) + E_x[H(C(x))],

with C a classifier trained on the dataset itself (the AM-GAN paper uses a DenseNet), C_G = E_{x~G}[C(x)] the
class marginal of generated samples and C_train the class distribution of the training data. Both
terms are >= 0; the minimum 0 is reached by a generator whose samples are classified with
certainty (H(C(x)) = 0) in the training class proportions. Lower is better. Entropies in nats.

C_train is "the overall class distribution from the training data" (AM-GAN Eq. (38)); get it from the
labels (`label_marginal`) or, judged by C, from the classifier's outputs on the training set
(`InceptionScoreAccumulator(...).marginal` or `class_marginal`).
"""

from typing import NamedTuple

import numpy as np

from tfgan_mh.metrics import _probs


class AMScore(NamedTuple):
  score: float  # kl_term + entropy_term
  kl_term: float  # KL(C_train || C_G)
  entropy_term: float  # E_x[H(C(x))]


def label_marginal(labels, num_classes: int) -> np.ndarray:
  """[K] class frequencies of integer labels [N] (e.g. C_train from the training labels)."""
  y = np.asarray(labels).reshape(-1)
  if y.size == 0:
    raise ValueError("labels are empty.")
  if y.min() < 0 or y.max() >= num_classes:
    raise ValueError(f"labels must lie in [0, {num_classes}), got range [{y.min()}, {y.max()}].")
  return np.bincount(y, minlength=num_classes).astype(np.float64) / y.size


def class_marginal(*, logits=None, probs=None) -> np.ndarray:
  """[K] mean classifier distribution E_x[C(x)] of in-memory logits or probabilities [N, K]."""
  p, _ = _probs.probs_and_entropy(logits=logits, probs=probs)
  if p.shape[0] == 0:
    raise ValueError("need at least one row.")
  return p.mean(axis=0)


def am_score_from_stats(*, sample_marginal, mean_sample_entropy: float,
                        train_marginal) -> AMScore:
  """AM Score from streamed statistics (e.g. an `InceptionScoreAccumulator`'s marginal / entropy).

  Args:
    sample_marginal: [K] C_G.
    mean_sample_entropy: E_x[H(C(x))] in nats.
    train_marginal: [K] C_train.

  Returns:
    AMScore; kl_term is inf when C_G is 0 on a class C_train has.
  """
  c_train = _probs.check_distribution(train_marginal, "train_marginal")
  c_g = _probs.check_distribution(sample_marginal, "sample_marginal", c_train.shape[0])
  kl = float(np.sum(_probs.xlogy(c_train, c_train) - _probs.xlogy(c_train, c_g)))  # Eq. (23), 1st
  return AMScore(kl + float(mean_sample_entropy), kl, float(mean_sample_entropy))


def am_score(*, train_marginal, logits=None, probs=None) -> AMScore:
  """AM Score (Eq. (23) of the AM-GAN paper) of generated samples' classifier outputs.

  Args:
    train_marginal: [K] class distribution of the training data, C_train.
    logits: [N, K] dataset-classifier logits of generated samples; or
    probs: [N, K] their class probabilities.

  Returns:
    AMScore(score, kl_term, entropy_term).
  """
  p, h = _probs.probs_and_entropy(logits=logits, probs=probs)
  if p.shape[0] == 0:
    raise ValueError("need at least one sample.")
  return am_score_from_stats(sample_marginal=p.mean(axis=0), mean_sample_entropy=float(h.mean()),
                             train_marginal=train_marginal)
