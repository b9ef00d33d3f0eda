"""Chief rules and the non-chief checkpoint writer, without a cluster (the 2-process test is test_multi_worker)."""

import os
import subprocess

import tensorflow as tf

from tfgan_mh.training import cluster


class ClusterTest(tf.test.TestCase):

  def test_chief_rules(self):
    two = {"worker": ["a:1", "b:1"]}
    with_chief = {"chief": ["c:1"], "worker": ["a:1", "b:1"]}
    self.assertTrue(cluster.is_chief_task(None, None, {}))
    self.assertTrue(cluster.is_chief_task("worker", 0, two))
    self.assertFalse(cluster.is_chief_task("worker", 1, two))
    self.assertTrue(cluster.is_chief_task("chief", 0, with_chief))
    self.assertFalse(cluster.is_chief_task("worker", 0, with_chief))
    self.assertFalse(cluster.is_chief_task("evaluator", 0, {"evaluator": ["e:1"], **two}))

  def test_single_process_strategies_are_the_chief(self):
    for strategy in (tf.distribute.get_strategy(), tf.distribute.OneDeviceStrategy("/cpu:0")):
      self.assertTrue(cluster.is_chief(strategy))
      self.assertEqual(cluster.num_workers(strategy), 1)
      self.assertEqual(cluster.task(strategy), (None, None))

  def test_a_non_chief_saves_to_a_private_directory_it_removes(self):
    model_dir = self.create_tempdir().full_path
    ckpt = tf.train.Checkpoint(v=tf.Variable(3.0))
    chief = cluster.CheckpointWriter(ckpt, model_dir, tf.distribute.get_strategy(), max_to_keep=5)
    chief.save(1)
    self.assertEqual(chief.latest_checkpoint, os.path.join(model_dir, "ckpt-1"))
    other = cluster.CheckpointWriter(ckpt, model_dir, tf.distribute.get_strategy(), max_to_keep=5, chief=False)
    self.assertNotEqual(other.manager.directory, model_dir)  # as on worker 1: a temporary directory
    other.save(2)
    self.assertFalse(os.path.exists(other.manager.directory))
    self.assertEqual(sorted(os.listdir(model_dir)), ["checkpoint", "ckpt-1.data-00000-of-00001", "ckpt-1.index"])
    self.assertEqual(other.latest_checkpoint, os.path.join(model_dir, "ckpt-1"))  # every worker restores the chief's


class TpuPodLaunchTest(tf.test.TestCase):
  """launch/tpu_train.sh --pod: the gcloud commands of a TPU VM pod slice (printed with --dry_run)."""

  def _run(self, *args):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    gin_file = os.path.join(repo, "gin", "experiments", "imagenet128_mhgan.gin")
    return subprocess.run([os.path.join(repo, "launch", "tpu_train.sh"), gin_file, *args], capture_output=True,
                          text=True, check=False, env=dict(os.environ, CHECKOUT="/opt/tfgan_mh"))

  def test_setup_on_every_host_then_train_from_worker_0(self):
    r = self._run("gs://b/runs/x", "my-pod", "--pod=europe-west4-a", "--dry_run", "--gin_param=train.seed=3")
    self.assertEqual(r.returncode, 0, r.stderr)
    setup, train = r.stdout.strip().splitlines()
    self.assertIn("gcloud compute tpus tpu-vm ssh my-pod --zone=europe-west4-a --worker=all", setup)
    self.assertIn("pip\\ install\\ -e\\ .", setup)
    self.assertIn("--worker=0", train)
    for part in ("TPU_LOAD_LIBRARY=0", "--strategy=tpu", "--tpu=my-pod", "--model_dir=gs://b/runs/x",
                 "--gin_param=train.seed=3", "/opt/tfgan_mh"):
      self.assertIn(part, train)

  def test_bad_pod_arguments(self):
    for args, message in [(("/tmp/x", "my-pod", "--pod=z"), "must be gs:// for a pod slice"),
                          (("gs://b/x", "my-pod", "--pod"), "--pod needs the TPU's zone"),
                          (("gs://b/x", "local", "--pod=z"), "needs the pod slice's TPU_NAME")]:
      r = self._run(*args, "--dry_run")
      self.assertEqual(r.returncode, 2, args)
      self.assertIn(message, r.stderr)
      self.assertLen(r.stderr.strip().splitlines(), 1)
