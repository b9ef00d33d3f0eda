"""Differentiable augmentations of the images D sees in training (DiffAugment, `diffaugment`)."""

from tfgan_mh.augment.diffaugment import POLICIES, diff_augment, parse_policy  # noqa: F401
