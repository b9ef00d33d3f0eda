"""Imports every module that registers gin configurables, so any gin file can be parsed after this."""

# pylint: disable=unused-import
from tfgan_mh import data  # noqa: F401
from tfgan_mh import losses  # noqa: F401
from tfgan_mh import models  # noqa: F401
from tfgan_mh.training import loop  # noqa: F401
from tfgan_mh.training import optim  # noqa: F401
from tfgan_mh.evaluation import config  # noqa: F401  (EvalConfig.<setting> bindings)
