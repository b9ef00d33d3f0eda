"""Evaluation math of the papers: one metric per module, host-side float64 numpy.

The eval job feeds batches of classifier logits / features to the streaming accumulators
(`FeatureStats`, `ClassFeatureStats`, `InceptionScoreAccumulator`) and calls the functions below.
MS-SSIM uses `tf.image.ssim_multiscale`; GAN-train trains a small Keras classifier.

Functions named like their module are reached through the module (`metrics.inception_score.
inception_score`, `metrics.am_score.am_score`, `metrics.ms_ssim.ms_ssim`, `metrics.class_histogram.
class_histogram`, `metrics.mixture.ring_metrics`, `metrics.cmmd.cmmd`); everything else is also re-exported here.

The paper column uses the short names of the `tfgan_mh` package docstring: MHGAN = Kavalerov et al. 2019,
AM-GAN = Zhou et al. 2018, K+1 GANs = Kavalerov et al. 2020, AAM = Sapkota et al. 2022, MAGAN = Wang et al. 2017.

| module | metric | paper |
|---|---|---|
| feature_stats | streaming mean / covariance, per class | FID inputs |
| fid | FID, intra-class FID | Heusel et al. 2017; MHGAN Fig. 4c |
| inception_score | IS over splits, H(C_G), E[H(C(x))] | AM-GAN Eq. (21)-(22) |
| am_score | AM Score | AM-GAN Eq. (23) |
| accuracy | validation / self / D-real / projection accuracy, GAN-test | MHGAN §3.2; AAM §4.4 |
| gan_train_test | GAN-train, GAN-test, classifier trainer | AAM §4.4 |
| confidence | confidence histogram and mean | AAM Fig. 6 |
| class_histogram | class histogram of samples | MAGAN Fig. 1a |
| ms_ssim | intra-class MS-SSIM (reduced scales for small images) | AM-GAN Table 2 |
| pairwise_distance | mean pairwise embedding distance | K+1 GANs Fig. 3 iv |
| energy | MAGAN real / fake energies and margin | MAGAN Eq. (1)-(2) |
| mixture | 2-D Gaussian mixture: high-quality share, modes covered, energy distance, sliced W1 | K+1 GANs §3.1 |
| kid | Kernel Inception Distance (unbiased polynomial-kernel MMD^2 over subsets) | Bińkowski et al. 2018 |
| cmmd | CMMD: RBF-kernel MMD^2 (sigma 10, x 1000) on unit embeddings | Jayasumana et al. 2024 |
| manifold | improved precision / recall; density / coverage (k-NN balls) | Kynkäänniemi et al. 2019; Naeem et al. 2020 |
"""

from tfgan_mh.metrics import am_score
from tfgan_mh.metrics import class_histogram
from tfgan_mh.metrics import cmmd
from tfgan_mh.metrics import mixture
from tfgan_mh.metrics import inception_score
from tfgan_mh.metrics import ms_ssim
from tfgan_mh.metrics.accuracy import classifier_accuracy
from tfgan_mh.metrics.accuracy import discriminator_fake_accuracy
from tfgan_mh.metrics.accuracy import discriminator_real_accuracy
from tfgan_mh.metrics.accuracy import projection_accuracy
from tfgan_mh.metrics.accuracy import projection_logits
from tfgan_mh.metrics.accuracy import self_accuracy
from tfgan_mh.metrics.am_score import am_score_from_stats
from tfgan_mh.metrics.am_score import class_marginal
from tfgan_mh.metrics.am_score import label_marginal
from tfgan_mh.metrics.confidence import confidence_distribution
from tfgan_mh.metrics.energy import energy_statistics
from tfgan_mh.metrics.feature_stats import ClassFeatureStats
from tfgan_mh.metrics.feature_stats import FeatureStats
from tfgan_mh.metrics.fid import fid_from_features
from tfgan_mh.metrics.fid import fid_from_stats
from tfgan_mh.metrics.fid import frechet_distance
from tfgan_mh.metrics.fid import intra_class_fid
from tfgan_mh.metrics.gan_train_test import build_small_classifier
from tfgan_mh.metrics.gan_train_test import gan_test
from tfgan_mh.metrics.gan_train_test import gan_train
from tfgan_mh.metrics.gan_train_test import predict_logits
from tfgan_mh.metrics.gan_train_test import train_classifier
from tfgan_mh.metrics.inception_score import InceptionScoreAccumulator
from tfgan_mh.metrics.kid import kernel_inception_distance
from tfgan_mh.metrics.manifold import density_coverage
from tfgan_mh.metrics.manifold import prdc
from tfgan_mh.metrics.manifold import precision_recall
from tfgan_mh.metrics.ms_ssim import intra_class_ms_ssim
from tfgan_mh.metrics.ms_ssim import ms_ssim_params
from tfgan_mh.metrics.pairwise_distance import mean_pairwise_distance
from tfgan_mh.metrics.pairwise_distance import mean_pairwise_distance_over_batches
from tfgan_mh.metrics.pairwise_distance import pairwise_distance_curve
