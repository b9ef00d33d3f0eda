"""A lower bound of the memory one train step needs, checked against the host's before the first step.

A batch or resolution that cannot fit used to fail after the data pipeline and the first trace (tens of
seconds), with TF's ResourceExhaustedError. `check_fits` refuses it up front, in one line naming the
binding, when a lower bound of the need exceeds the memory available:

* state: the variables of G, D, their optimizers and the EMA generator, plus one gradient per trainable
  variable;
* activations: the outputs of the dense ops (convolutions, matmuls) of one forward pass of G and of D
  for one example, traced at batch 1 (`flops.forward_graphs`), times the micro-batch of a replica. A
  G step keeps both networks' forward activations for its backward pass, and a fused convolution still
  writes its output, so this undercounts (element-wise outputs, the backward pass, workspace) and never
  refuses a step that fits.

Only hosts are checked (no GPU or TPU visible: the replicas' memory is the host's `MemAvailable`, or a
cgroup's limit if lower); an accelerator's memory is not queryable before allocation in TF. A batch whose
inputs are small (`MIN_INPUT_BYTES` per replica) is not traced: the check costs a trace of G and D.
"""

from typing import Dict, Optional

import numpy as np
import tensorflow as tf

from tfgan_mh import cpu
from tfgan_mh.training import cluster
from tfgan_mh.training import flops

MIN_INPUT_BYTES = 16 * 2**20  # a replica's float32 input batch below this is not checked


def _bytes(variables) -> int:
  return sum(int(np.prod(v.shape)) * tf.as_dtype(v.dtype).size for v in variables)


def _dense_output_bytes(graph: tf.Graph) -> int:
  return sum(int(np.prod(op.outputs[0].shape.as_list())) * op.outputs[0].dtype.size
             for op in graph.get_operations() if op.type in flops.DENSE_OPS)


def step_need(trainer) -> Dict[str, int]:
  """{"state": bytes, "activations": bytes}: the lower bound of the module docstring for `trainer`."""
  networks = [trainer.generator, trainer.discriminator, trainer.ema_generator]
  state = _bytes([v for n in networks if n is not None for v in n.variables])
  state += _bytes(trainer.g_optimizer.variables) + _bytes(trainer.d_optimizer.variables)
  state += _bytes(trainer.generator.trainable_variables) + _bytes(trainer.discriminator.trainable_variables)
  g_graph, d_graph, _ = flops.forward_graphs(
      trainer.generator, trainer.discriminator, batch=1, conditional=trainer.conditional,
      image_shape=trainer.image_shape)
  micro_batch = trainer.per_replica_batch // trainer.accumulate_steps
  per_example = _dense_output_bytes(g_graph) + _dense_output_bytes(d_graph)
  return {"state": state, "activations": per_example * micro_batch}


def _gib(n: int) -> str:
  return f"{n / 2**30:.3g} GiB"


def check_fits(trainer, strategy: tf.distribute.Strategy, available: Optional[int] = None) -> None:
  """ValueError (one line) when the step's lower bound exceeds the host memory available (see module)."""
  if any(d.device_type != "CPU" for d in tf.config.list_logical_devices()):
    return  # replicas on accelerators (or an accelerator beside the host's replicas): not queryable
  replicas = max(1, strategy.num_replicas_in_sync // cluster.num_workers(strategy))  # on this host
  micro_batch = trainer.per_replica_batch // trainer.accumulate_steps
  if micro_batch * int(np.prod(trainer.image_shape)) * 4 < MIN_INPUT_BYTES:
    return
  available = cpu.available_bytes() if available is None else available
  if available is None:
    return
  need = step_need(trainer)
  total = (need["state"] + need["activations"]) * replicas  # the replicas share the host
  if total > available:
    raise ValueError(
        f"train.global_batch_size={trainer.global_batch_size} (examples {'x'.join(map(str, trainer.image_shape))}) "
        f"needs at least {_gib(total)} ({_gib(need['state'])} weights, optimizer state and gradients + "
        f"{_gib(need['activations'])} activations, per replica of {replicas}) and {_gib(available)} is "
        "available: lower train.global_batch_size, build_source.resolution or the network widths, or use "
        "optimization.accumulate_steps")
