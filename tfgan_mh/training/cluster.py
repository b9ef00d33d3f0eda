"""Who writes what when a run spans several processes (tf.distribute's multi-worker rules, no own protocol).

Under `MultiWorkerMirroredStrategy` every worker runs the same program and the same TensorFlow computations
(collectives need all of them), but only the **chief** writes the run's files: checkpoints, summaries,
pictures, operative_config.gin, run_info.json, TRAIN_DONE. A checkpoint save must still run on every
worker (reading distributed variables may all-reduce), so a non-chief worker saves into a private
temporary directory that it deletes right away, as TensorFlow's multi-worker guide prescribes; every worker
restores from the chief's model_dir (a shared file system: gs:// on a cluster, one disk on localhost).

The chief is the task of type "chief", or worker 0 when the cluster has no chief (`TF_CONFIG`). Under the
default strategy, MirroredStrategy and TPUStrategy (one client drives every TPU host of a pod slice) the
single process is the chief.
"""

import shutil
import socket
import tempfile
from typing import Optional, Tuple

import tensorflow as tf


def task(strategy: tf.distribute.Strategy) -> Tuple[Optional[str], Optional[int]]:
  """(task_type, task_id) of this process in a multi-worker cluster, (None, None) otherwise."""
  if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
    return None, None
  resolver = strategy.cluster_resolver
  return resolver.task_type, resolver.task_id


def is_chief_task(task_type: Optional[str], task_id: Optional[int], cluster: dict) -> bool:
  """TensorFlow's rule: the "chief" task, else worker 0 of a cluster without one; a process outside any
  cluster (task_type None) is the chief."""
  if task_type is None:
    return True
  return task_type == "chief" or (task_type == "worker" and task_id == 0 and "chief" not in cluster)


def is_chief(strategy: tf.distribute.Strategy) -> bool:
  """Whether this process writes the run's files."""
  task_type, task_id = task(strategy)
  if task_type is None:
    return True
  return is_chief_task(task_type, task_id, strategy.cluster_resolver.cluster_spec().as_dict())


def num_workers(strategy: tf.distribute.Strategy) -> int:
  """Processes taking part in each step (1 unless multi-worker)."""
  if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
    return 1
  cluster = strategy.cluster_resolver.cluster_spec().as_dict()
  return sum(len(cluster.get(job, [])) for job in ("chief", "worker"))


class CheckpointWriter:
  """Saves on every worker, keeps only the chief's: a `tf.train.CheckpointManager` on model_dir for the
  chief, on a private temporary directory (removed after each save) for the others.

  Args:
    checkpoint: the `tf.train.Checkpoint`.
    model_dir: the run directory (where the chief writes and everyone restores from).
    strategy: the run's strategy.
    max_to_keep: the chief's CheckpointManager setting.
    chief: override of `is_chief(strategy)` (tests).
  """

  def __init__(self, checkpoint: tf.train.Checkpoint, model_dir: str, strategy: tf.distribute.Strategy,
               max_to_keep: int, chief: Optional[bool] = None):
    self.model_dir = model_dir
    self.chief = is_chief(strategy) if chief is None else chief
    directory = model_dir if self.chief else tempfile.mkdtemp(prefix=f"tfgan_mh_worker{task(strategy)[1]}_")
    self._directory = directory
    self.manager = tf.train.CheckpointManager(checkpoint, directory, max_to_keep=max_to_keep if self.chief else 1)

  @property
  def latest_checkpoint(self) -> Optional[str]:
    """The newest checkpoint of the run (the chief's), for every worker."""
    return tf.train.latest_checkpoint(self.model_dir)

  def save(self, step: int) -> None:
    if not self.chief:
      tf.io.gfile.makedirs(self._directory)
    self.manager.save(checkpoint_number=step)
    if not self.chief:
      shutil.rmtree(self._directory, ignore_errors=True)


def localhost_cluster(num_workers: int) -> dict:
  """A cluster spec of `num_workers` workers on free loopback ports (tests, benchmarks, trying it out):
  TF_CONFIG = {"cluster": localhost_cluster(2), "task": {"type": "worker", "index": i}} for worker i."""
  socks = [socket.socket() for _ in range(num_workers)]
  for s in socks:
    s.bind(("localhost", 0))
  ports = [s.getsockname()[1] for s in socks]
  for s in socks:
    s.close()
  return {"worker": [f"localhost:{p}" for p in ports]}
