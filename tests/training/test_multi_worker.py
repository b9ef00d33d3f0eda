"""Multi-worker training with real processes: two `python -m tfgan_mh.train --strategy=multi_worker` workers on
localhost ports (TF_CONFIG built here, loopback only, every wait bounded) train the tiny ring run.

Checks: their losses equal a one-process run at the same global batch (the input pipelines slice the same
global batches, the latents are drawn per global batch); only the chief wrote the model_dir; killing one
worker (and the chief, whose collectives then wait on it: a cluster manager restarts both) and restarting
both resumes from the last checkpoint and finishes.
"""

import glob
import json
import os
import signal
import subprocess
import sys
import time

import gin
import numpy as np
import tensorflow as tf

from tests.training.test_loop import _scalars
from tfgan_mh import cli
from tfgan_mh.cli import train as train_main
from tfgan_mh.training import cluster as cluster_lib
from tfgan_mh.training import loop

TINY = ["train.global_batch_size = 16", "cadence.steps_per_loop = 1", "cadence.save_every = 4",
        "cadence.summary_every = 1", "cadence.image_every = 8", "cadence.log_every = 4"]
TIMEOUT = 120  # seconds for any one wait on the worker processes


class Workers:
  """Two worker processes of one run."""

  def __init__(self, test, model_dir, params, tmp):
    self.test, self.model_dir, self.params, self.tmp = test, model_dir, params, tmp
    self.procs, self.logs = [], []

  def start(self):
    cluster = cluster_lib.localhost_cluster(2)
    for index in range(2):
      env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="", TMPDIR=self.tmp,
                 TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}))
      path = os.path.join(self.tmp, f"worker{index}_{len(self.logs)}.log")
      log = open(path, "w")  # pylint: disable=consider-using-with
      cmd = [sys.executable, "-m", "tfgan_mh.train", f"--model_dir={self.model_dir}", "--strategy=multi_worker"]
      cmd += [f"--gin_param={p}" for p in self.params]
      self.procs.append(subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT))
      self.logs.append(log)
    return self

  def wait(self):
    try:
      codes = [p.wait(timeout=TIMEOUT) for p in self.procs[-2:]]
    finally:
      self.kill()
    self.test.assertEqual(codes, [0, 0], self.log_text())

  def kill(self, index=None):
    for i, p in enumerate(self.procs[-2:]):
      if (index is None or i == index) and p.poll() is None:
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=TIMEOUT)

  def log_text(self, index=0, tail=3000):
    self.logs[-2 + index].flush()
    with open(self.logs[-2 + index].name) as f:
      text = f.read()
    return text[-tail:] if tail else text


class MultiWorkerTest(tf.test.TestCase):

  def test_two_workers_equal_one_process_write_once_and_resume(self):
    root = self.create_tempdir().full_path
    tmp = os.path.join(root, "tmp")
    os.makedirs(tmp)
    # One process, default strategy, the same global batch of 16.
    single = os.path.join(root, "single")
    gin.clear_config()
    cli.parse_gin([train_main.DEFAULT_GIN], TINY + ["train.num_steps = 8"])
    loop.train(single)
    gin.clear_config()
    # Two workers, one replica each.
    multi = os.path.join(root, "multi")
    start = time.time()
    Workers(self, multi, TINY + ["train.num_steps = 8"], tmp).start().wait()
    two_worker_seconds = time.time() - start
    for tag in ("d/loss", "g/loss"):
      one, two = _scalars(single, tag), _scalars(multi, tag)
      self.assertEqual(sorted(two), list(range(1, 9)), tag)
      self.assertAllClose([two[s] for s in sorted(two)], [one[s] for s in sorted(one)], rtol=1e-5, atol=1e-6)
    # Only the chief wrote: the same files as the one-process run, one event file, no worker leftovers.
    names = lambda d: sorted(n for n in os.listdir(d) if not n.startswith("events."))  # noqa: E731
    self.assertEqual(names(multi), names(single))
    self.assertLen(glob.glob(os.path.join(multi, "events.out.tfevents.*")), 1)
    self.assertEqual(os.listdir(tmp), [n for n in os.listdir(tmp) if n.endswith(".log")])  # temp checkpoints gone
    # Extend to 24 steps; kill worker 1 once step 12 is saved, then the chief; restart both: resumed, finished.
    params = TINY + ["train.num_steps = 24"]
    workers = Workers(self, multi, params, tmp).start()
    deadline = time.time() + TIMEOUT
    while not os.path.exists(os.path.join(multi, "ckpt-12.index")):
      self.assertLess(time.time(), deadline, workers.log_text())
      self.assertIsNone(workers.procs[0].poll(), workers.log_text())
      time.sleep(0.2)
    workers.kill(1)
    workers.kill(0)
    self.assertFalse(os.path.exists(os.path.join(multi, loop.TRAIN_DONE)))
    saved = tf.train.latest_checkpoint(multi)
    workers.start().wait()
    self.assertIn(f"Resumed from {saved}", workers.log_text(0, tail=None))
    self.assertTrue(os.path.exists(os.path.join(multi, "ckpt-24.index")))
    with open(os.path.join(multi, loop.TRAIN_DONE)) as f:
      self.assertEqual(f.read().strip(), "24")
    self.assertLess(two_worker_seconds, TIMEOUT)
    self.assertTrue(np.isfinite(_scalars(multi, "d/loss")[24]))
