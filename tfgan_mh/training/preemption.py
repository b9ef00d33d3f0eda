"""Stopping a trainer cleanly on SIGTERM / SIGINT (preemptible TPU VMs, cluster managers, Ctrl-C).

Without a handler SIGTERM kills the process wherever it is, also inside a checkpoint write, and leaves a
checkpoint that cannot be read. `StopSignals` turns the first SIGTERM or SIGINT into a request: Python runs
signal handlers between bytecodes, so a running train-steps call or checkpoint write finishes first; the loop
then saves a checkpoint at the current step and raises `Stopped`, and the command exits with 128 + the signal
number (143 for SIGTERM), the code cluster managers expect. Rerunning the same command resumes. A second
signal stops at once, as without the handler. A signal arriving during a long `cadence.steps_per_loop` call is
acted on when the call returns: keep steps_per_loop's wall time below the platform's grace period (30 s on
preemptible TPU VMs).

Multi-worker runs keep the default behaviour (every worker would have to agree on the step to save at): a
killed write there is handled on restart by `tfgan_mh.run.run_dir.resume_checkpoint`, which moves an
unreadable newest checkpoint aside.
"""

import os
import signal
import threading
from typing import Optional

from absl import logging

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Stopped(Exception):
  """The trainer stopped on a signal after saving a checkpoint; `exit_code` is 128 + the signal number."""

  def __init__(self, signum: int, step: int, checkpoint: str):
    name = signal.Signals(signum).name
    super().__init__(f"stopped by {name} at step {step} after saving {checkpoint}: run the same command to resume")
    self.signum, self.step, self.checkpoint = signum, step, checkpoint
    self.exit_code = 128 + signum


class StopSignals:
  """`with StopSignals() as stop:` ... `stop.signum` is the first SIGTERM / SIGINT received, else None.

  Outside the main thread (where Python cannot install handlers) it does nothing.
  """

  def __init__(self):
    self.signum: Optional[int] = None
    self._previous = {}

  def __enter__(self):
    if threading.current_thread() is threading.main_thread():
      for signum in SIGNALS:
        self._previous[signum] = signal.signal(signum, self._handle)
    return self

  def __exit__(self, *exc):
    for signum, handler in self._previous.items():
      signal.signal(signum, handler)
    self._previous = {}
    return False

  def _handle(self, signum, frame):
    del frame
    if self.signum is not None:  # the second one: as without this handler
      signal.signal(signum, self._previous.get(signum, signal.SIG_DFL))
      os.kill(os.getpid(), signum)
      return
    self.signum = signum
    logging.warning("%s received: stopping after the current steps, with a checkpoint (send it again to stop "
                    "at once)", signal.Signals(signum).name)
