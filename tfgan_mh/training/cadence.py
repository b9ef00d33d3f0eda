"""When the train loop's host acts (gin `cadence.*`: `Cadence`): how many steps one host call runs, and how
often it writes summaries, the sample picture, the log line and checkpoints.

The loop runs `steps_per_loop` steps per call of the compiled step function, fewer up to the next step at which
the host must act (`Cadence.next_stop`), so every save / summary / picture lands exactly on its step.
"""

import dataclasses
from typing import Iterable, Optional

import gin

from tfgan_mh.training.settings import check_positive_int


@gin.configurable("cadence")
@dataclasses.dataclass(frozen=True)
class Cadence:
  """The host's cadence, in train steps (gin `cadence.*`); a bad value is a one-line ValueError when made."""

  steps_per_loop: int = 100  # train steps per host call (one tf.function)
  save_every: int = 1000
  max_to_keep: int = 100000  # large so a sidecar eval job never misses a checkpoint
  summary_every: int = 100
  image_every: int = 1000
  log_every: int = 100
  checkpoint_input: bool = False  # also checkpoint the input iterator (saves the shuffle buffer)

  def __post_init__(self):
    for field in ("steps_per_loop", "save_every", "max_to_keep", "summary_every", "image_every", "log_every"):
      check_positive_int(f"cadence.{field}", getattr(self, field))
    if not isinstance(self.checkpoint_input, bool):
      raise ValueError(f"cadence.checkpoint_input={self.checkpoint_input!r}: expected True or False")

  def next_stop(self, step: int, num_steps: int, also_every: Iterable[Optional[int]] = (),
                also_at: Iterable[int] = ()) -> int:
    """The next step after `step` at which the host must act: the end of the run or of this call, the next save,
    summary, picture or log, the next multiple of each of `also_every` (None: none) and any of `also_at` above
    `step`."""
    marks = [num_steps, step + self.steps_per_loop] + [s for s in also_at if s > step]
    every = [self.save_every, self.summary_every, self.image_every, self.log_every]
    marks += [(step // e + 1) * e for e in every + [e for e in also_every if e]]
    return min(marks)
