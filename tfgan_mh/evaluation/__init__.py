"""Evaluation: feature extractors (TF-GAN's Inception, dataset classifiers) and the sidecar eval job.

  from tfgan_mh import evaluation
  ext = evaluation.load_extractor("classifier:/models/mnist32")   # or "inception", "inception:/dir"
  logits, features = ext(images)                                  # images float32 NHWC in [-1, 1]

Modules: `extractors` (`load_extractor`, `FeatureExtractor`), `classifier` (the dataset classifiers that
`python -m tfgan_mh.cli.train_classifier` trains and exports), `job` (the eval job).
"""

from tfgan_mh.evaluation.extractors import ClassifierExtractor
from tfgan_mh.evaluation.extractors import FeatureExtractor
from tfgan_mh.evaluation.extractors import InceptionExtractor
from tfgan_mh.evaluation.extractors import load_extractor

__all__ = ["ClassifierExtractor", "FeatureExtractor", "InceptionExtractor", "load_extractor"]
