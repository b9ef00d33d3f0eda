"""n train steps in one host call (`tf.function`), the step traced once.

Two obvious host loops trace the step twice, and tracing (Python building the graph) is most of a short run's
start-up and of the test suite's time:
  * `for _ in tf.range(n - 1): step()` then `return step()` (the last step's measurements) traces it as the
    loop's body and again for the last call;
  * keeping the measurements in variables made on the first trace makes `tf.function` trace the whole loop a
    second time (a function that creates variables is traced again without creating them).
Here the step is one `tf.function`, traced once before the loop (`get_concrete_function`), which also gives the
structure of its measurements; the loop then calls that trace `n` times inside a `tf.while_loop` whose
loop-carried values are the measurements, starting from zeros of their shapes: no second trace, no state.
"""

from typing import Callable, Dict

import tensorflow as tf


def repeat(step_fn: Callable[..., Dict[str, tf.Tensor]], num_steps: int):
  """A callable `(iterator) -> dict` that runs `step_fn(iterator)` `num_steps` (>= 1) times in one host call and
  returns the measurements (tensors of static shape) of the last run.

  Call it in cross-replica context (as the trainer does); `step_fn` is traced on the first call only.
  """
  if num_steps < 1:
    raise ValueError(f"num_steps={num_steps}: the host loop runs at least 1 step")
  step = tf.function(step_fn, autograph=False)
  loop = None

  def build(iterator):
    outputs = step.get_concrete_function(iterator).structured_outputs  # the step's one trace

    @tf.function(autograph=False)
    def steps(it):
      zeros = tf.nest.map_structure(lambda t: tf.zeros(t.shape, t.dtype), outputs)
      _, last = tf.while_loop(lambda i, _: i < num_steps, lambda i, _: (i + 1, step(it)), (tf.constant(0), zeros))
      return last

    return steps

  def run(iterator):
    nonlocal loop
    if loop is None:
      loop = build(iterator)
    return loop(iterator)

  run.step = step  # the step's tf.function: its `experimental_get_tracing_count()` is 1 after any number of calls
  return run
