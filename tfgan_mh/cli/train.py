r"""Train a GAN: `tfgan-train --gin_file=F [--gin_param='a.b=c'] --model_dir=D [--tpu=NAME]`.

The same as `python -m tfgan_mh.train`. The only place that reads flags. Strategy: `--strategy=auto` picks
TPUStrategy when --tpu is given, MirroredStrategy when more than one GPU is visible, else the default strategy.

F is a path or a packaged name (`experiments/mnist_mhinge_cpu`; `--list_experiments` lists them). Without
--gin_file it trains the embedded default: MHGAN (Kavalerov et al. 2019, arXiv:1912.04216) on the 2-D ring of
10 Gaussians (Kavalerov et al., "A study of quality and diversity in K+1 GANs", §3.1), about half a minute on a
laptop CPU, and leaves model_dir/samples/*.png.
"""

import gc
import glob
import json
import os
import socket
import sys

from absl import app
from absl import flags
from absl import logging

from tfgan_mh import cli

DEFAULT_GIN = os.path.join(cli.GIN_DIR, "ring_default.gin")

FLAGS = flags.FLAGS
flags.DEFINE_multi_string("gin_file", None, "Gin files (paths or packaged names such as "
                          "experiments/mnist_mhinge_cpu), applied in order (default: the embedded ring config).")
flags.DEFINE_bool("list_experiments", False, "Print the packaged experiment names and exit.")
flags.DEFINE_multi_string("gin_param", [], "Gin bindings applied after the files, e.g. 'train.num_steps=100'.")
flags.DEFINE_string("model_dir", None, "Run directory (local or gs://): checkpoints, summaries, samples.")
flags.DEFINE_enum("strategy", "auto", ["auto", "default", "mirrored", "multi_worker", "tpu"],
                  "tf.distribute strategy (multi_worker: the cluster in TF_CONFIG; tpu: --tpu, a pod slice from "
                  "its worker 0).")
flags.DEFINE_string("tpu", None, "TPU name or grpc:// address; 'local' for a TPU VM.")


_TF_CONFIG_EXAMPLE = ('{"cluster": {"worker": ["host0:2222", "host1:2222"]}, '
                      '"task": {"type": "worker", "index": 0}}')


TPU_DEVICES = ("/dev/accel*", "/dev/vfio/[0-9]*")  # TPU VM chips: v2-v4 /dev/accel*, v5e and later /dev/vfio/N


def check_tpu(tpu: str, timeout: float = 10.0) -> None:
  """ValueError (one line) when --tpu cannot lead to a TPU, instead of TF's hang or its "Please provide a TPU
  Name": no --tpu, 'local' on a machine without TPU chips, or a grpc:// address where nothing answers."""
  if not tpu:
    raise ValueError("--strategy=tpu needs --tpu: 'local' on a TPU VM, a TPU name, or grpc://HOST:8470")
  if tpu == "local":
    if not any(glob.glob(p) for p in TPU_DEVICES):
      raise ValueError(f"--tpu=local: this machine has no TPU chips ({', '.join(TPU_DEVICES)}): run on a TPU VM, "
                       "or pass a TPU name or grpc://HOST:8470")
    return
  if tpu.startswith("grpc://"):
    host, _, port = tpu[len("grpc://"):].rpartition(":")
    try:
      socket.create_connection((host, int(port)), timeout=timeout).close()
    except (OSError, ValueError) as e:
      reason = "no port" if isinstance(e, ValueError) else (e.strerror or type(e).__name__)
      raise ValueError(f"--tpu={tpu}: nothing answers there ({reason}, {timeout:.0f} s): check the address "
                       "(grpc://HOST:8470) and that the TPU is running") from None


def make_strategy(kind: str, tpu: str = None):
  """A tf.distribute strategy: 'auto' | 'default' | 'mirrored' | 'multi_worker' | 'tpu'.

  multi_worker: MultiWorkerMirroredStrategy over the cluster in TF_CONFIG (every worker runs this same
  command with its own TF_CONFIG task; docs/distributed.md). tpu: TPUStrategy on the TPU
  named by --tpu ('local' on a TPU VM); a pod slice is the same call from its worker 0.
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if kind == "multi_worker":
    try:
      json.loads(os.environ.get("TF_CONFIG") or "{}")
    except ValueError as e:
      raise ValueError(f"TF_CONFIG is not valid JSON ({e}): expected e.g. {_TF_CONFIG_EXAMPLE}") from None
    resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()
    if not resolver.cluster_spec().jobs or resolver.task_type is None:
      raise ValueError("--strategy=multi_worker needs TF_CONFIG with a cluster and this process's task, e.g. "
                       + _TF_CONFIG_EXAMPLE)
    return tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=resolver)
  if kind == "auto":
    kind = "tpu" if tpu else ("mirrored" if len(tf.config.list_physical_devices("GPU")) > 1 else "default")
  if kind == "tpu":
    check_tpu(tpu)
    resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    return tf.distribute.TPUStrategy(resolver)
  if kind == "mirrored":
    return tf.distribute.MirroredStrategy()
  return tf.distribute.get_strategy()


def out_of_memory(error: BaseException):
  """One line for TF's ResourceExhaustedError (an allocation failed), else None."""
  import gin  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if not isinstance(error, tf.errors.ResourceExhaustedError):
    return None
  try:
    batch = gin.query_parameter("train.global_batch_size")
  except ValueError:
    batch = "its default"
  return (f"out of memory ({cli.first_line(error)[:120]}): lower train.global_batch_size (now {batch}), the "
          "resolution or the network widths, or use optimization.accumulate_steps")


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  if FLAGS.list_experiments:
    print("\n".join(cli.packaged_gin_names("experiments")))
    return
  if not FLAGS.model_dir:
    raise app.UsageError("--model_dir is required")
  from tfgan_mh.training import loop  # pylint: disable=g-import-not-at-top
  from tfgan_mh.training import preemption  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  try:
    cli.parse_gin(FLAGS.gin_file or [DEFAULT_GIN], FLAGS.gin_param)
    strategy = make_strategy(FLAGS.strategy, FLAGS.tpu)
    logging.info("Strategy %s with %d replica(s)", type(strategy).__name__,
                 strategy.num_replicas_in_sync)
    loop.train(FLAGS.model_dir, strategy, user_bindings=FLAGS.gin_param)
  except (ValueError, loop.NonFiniteLossError) as e:
    message = cli.first_line(e)
  except (OSError, tf.errors.OpError) as e:
    message = cli.disk_full(e, FLAGS.model_dir) or out_of_memory(e)
    if message is None:
      raise
  except preemption.Stopped as e:  # SIGTERM / SIGINT: a checkpoint was saved; 128 + the signal number
    print(f"stopped: {cli.first_line(e)}", file=sys.stderr)
    sys.exit(e.exit_code)
  else:
    message = None
  if message is not None:
    gc.collect()  # TF's warnings about objects of the failed run come now, not after the error line
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)
  print(f"done: {FLAGS.model_dir} (samples in {FLAGS.model_dir}/samples)")


def console_main():
  """Console script `tfgan-train`."""
  app.run(main)


if __name__ == "__main__":
  console_main()
