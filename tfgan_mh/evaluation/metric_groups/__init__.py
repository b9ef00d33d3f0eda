"""The eval job's metric groups, one module each; importing this package registers them (`registry`).

The order below is the order of the groups in records, --metrics and the docs. A new metric: its module
here and one line below (see `tfgan_mh.evaluation.registry`).
"""

# pylint: disable=unused-import
from tfgan_mh.evaluation.metric_groups import inception_score  # is
from tfgan_mh.evaluation.metric_groups import fid
from tfgan_mh.evaluation.metric_groups import intra_fid
from tfgan_mh.evaluation.metric_groups import kid
from tfgan_mh.evaluation.metric_groups import cmmd
from tfgan_mh.evaluation.metric_groups import precision_recall
from tfgan_mh.evaluation.metric_groups import density_coverage
from tfgan_mh.evaluation.metric_groups import validation_accuracy
from tfgan_mh.evaluation.metric_groups import self_accuracy
from tfgan_mh.evaluation.metric_groups import d_accuracy
from tfgan_mh.evaluation.metric_groups import projection_accuracy
from tfgan_mh.evaluation.metric_groups import am_score
from tfgan_mh.evaluation.metric_groups import classifier_is
from tfgan_mh.evaluation.metric_groups import gan_test
from tfgan_mh.evaluation.metric_groups import gan_train
from tfgan_mh.evaluation.metric_groups import confidence
from tfgan_mh.evaluation.metric_groups import class_histogram
from tfgan_mh.evaluation.metric_groups import ms_ssim
from tfgan_mh.evaluation.metric_groups import pairwise_distance
from tfgan_mh.evaluation.metric_groups import energy
from tfgan_mh.evaluation.metric_groups import mixture
