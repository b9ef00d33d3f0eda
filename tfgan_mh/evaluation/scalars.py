"""Scalars a run wrote to TensorBoard (losses, accuracies, gradient norms, steps/s), read back as arrays.

The trainer writes its measurements to MODEL_DIR (`tf.summary.scalar`, stored as tensors) and the eval job its
metrics to MODEL_DIR/eval; TensorBoard's own `event_accumulator` reads every event file of one folder in order.
"""

from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator

Curve = Tuple[np.ndarray, np.ndarray]  # (steps [N] int64, values [N] float64), in step order


def read_scalars(log_dir: str, tags: Optional[Sequence[str]] = None) -> Dict[str, Curve]:
  """{tag: (steps, values)} of the scalar summaries in `log_dir` (not its sub-folders).

  Args:
    log_dir: a folder with `events.out.tfevents.*` files (local or gs://).
    tags: the tags to read (default: every scalar tag). A step written twice (a resumed run) keeps its last value.

  Raises:
    ValueError: `log_dir` is not a folder; a tag in `tags` that it does not hold (the message lists those it does).
  """
  if not tf.io.gfile.isdir(log_dir):
    raise ValueError(f"log_dir={log_dir!r} is not a folder: expected a run directory (or its eval/ folder)")
  events = event_accumulator.EventAccumulator(log_dir, size_guidance={event_accumulator.TENSORS: 0,
                                                                     event_accumulator.SCALARS: 0})
  events.Reload()
  stored = events.Tags()
  scalar_tags = [t for t in stored["tensors"] if _is_scalar(events.Tensors(t)[0].tensor_proto)]
  old_tags = list(stored["scalars"])  # summaries written by tf.compat.v1 (simple_value)
  available = sorted(set(scalar_tags) | set(old_tags))
  wanted = available if tags is None else list(tags)
  missing = [t for t in wanted if t not in available]
  if missing:
    raise ValueError(f"tag {missing[0]!r} is not among the scalars of {log_dir}: "
                     f"{', '.join(available) or 'none (no event file with scalars)'}")
  curves = {}
  for tag in wanted:
    if tag in scalar_tags:
      points = {e.step: float(tf.make_ndarray(e.tensor_proto)) for e in events.Tensors(tag)}
    else:
      points = {e.step: float(e.value) for e in events.Scalars(tag)}
    steps = np.array(sorted(points), np.int64)
    curves[tag] = (steps, np.array([points[s] for s in steps], np.float64))
  return curves


def _is_scalar(proto) -> bool:
  return not proto.tensor_shape.dim and proto.dtype in (tf.float32.as_datatype_enum, tf.float64.as_datatype_enum,
                                                        tf.int32.as_datatype_enum, tf.int64.as_datatype_enum)
