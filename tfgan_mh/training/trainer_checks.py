"""What `GANTrainer` (training/step.py) checks before it builds anything: its arguments, and that a loss family asks
only for inputs the trainer serves (`generator_needs`, `data_streams`) and matches the generator's kind."""

from tfgan_mh.training import settings as settings_lib

GENERATOR_NEEDS = ("real", "source", "reconstruction")  # what `GANTrainer._generator_inputs` serves a family's G loss
STREAM_SALTS = (24, 48, 56)  # of the DiffAugment draws on a family's data streams (see `GANTrainer._augment`)


def check_generator_input(family, generator) -> None:
  """ValueError (one line) when the family and the generator disagree on what G transforms: latents, or the
  real images (an image-to-image G(x, c): the family's `generator_takes_images`, the model's `takes_images`)."""
  wants, takes = bool(family.generator_takes_images), bool(getattr(generator, "takes_images", False))
  if wants != takes:
    kinds = {True: "an image-to-image generator G(x, c)", False: "a generator of latents G(z, y)"}
    raise ValueError(f"loss family {family.name!r} trains {kinds[wants]} but build_generator.arch builds "
                     f"{kinds[takes]}: choose a matching build_generator.arch or train.loss_family")


def check_args(global_batch_size, replicas, d_steps) -> None:
  """ValueError (one line) for a `GANTrainer` argument out of range, before anything is created (its settings
  objects, `EmaSettings` / `LeCamSettings` / ..., checked themselves when made)."""
  if global_batch_size <= 0 or global_batch_size % replicas:
    raise ValueError(f"global batch size {global_batch_size} is not a positive multiple of the {replicas} replicas; "
                     f"use a multiple of {replicas}")
  settings_lib.check_positive_int("d_steps", d_steps)  # D steps per G step


def check_family(family) -> None:
  """ValueError (one line) for a family that asks for inputs the trainer does not serve."""
  unknown = [n for n in family.generator_needs if n not in GENERATOR_NEEDS]
  if unknown:
    raise ValueError(f"loss family {family.name!r}: generator_needs {unknown} are not served; expected names "
                     f"from {', '.join(GENERATOR_NEEDS)}")
  if len(family.data_streams) > len(STREAM_SALTS):
    raise ValueError(f"loss family {family.name!r}: {len(family.data_streams)} data_streams; the trainer serves "
                     f"at most {len(STREAM_SALTS)}")
