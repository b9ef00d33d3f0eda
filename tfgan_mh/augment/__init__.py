"""Augmentations of the images D sees in training: DiffAugment (`diffaugment`) and ADA's 'bgc' pipeline (`bgc`,
driven by `tfgan_mh.training.ada`)."""

from tfgan_mh.augment.diffaugment import POLICIES, diff_augment, parse_policy  # noqa: F401
