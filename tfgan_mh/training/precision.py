"""Which Keras dtype policy a run trains under: `execution.precision` and the legacy `execution.mixed_bfloat16`.

  precision='float32'         float32 everywhere.
  precision='mixed_bfloat16'  bfloat16 compute, float32 variables (Keras' mixed precision policy); the
                              networks keep BN statistics, spectral norm, heads and losses in float32.
  precision='auto' (default)  mixed_bfloat16 where bfloat16 is native and pays: on a TPU, and on a CPU
                              whose flags list `avx512_bf16` or `amx_bf16` (oneDNN then runs bf16
                              convolutions and matmuls on the bf16 units); float32 elsewhere. On a GPU it
                              is float32: whether bf16 pays depends on the card, so the user decides.

`execution.mixed_bfloat16=True` / `False` (older configs) means 'mixed_bfloat16' / 'float32' and wins over
`precision`. Asking for bfloat16 on a CPU without native bf16 is allowed, with one warning: there every
bf16 op is emulated, measured 4x slower than float32 at the CIFAR-10 MHGAN shape
(benchmarks/train_step.py on a 2-core AVX2 EPYC: more than 300 s per iteration against 80 s).
"""

import dataclasses
import os
import platform
from typing import Optional

import gin
import tensorflow as tf
from absl import logging

from tfgan_mh.cpu import cpu_flags  # pylint: disable=unused-import  (policy_for reads it; tests patch it here)

PRECISIONS = ("auto", "float32", "mixed_bfloat16")
NATIVE_BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")

SLOW_BF16_WARNING = (
    "mixed bfloat16 on a CPU without native bfloat16 (no avx512_bf16 / amx_bf16 among its flags): every "
    "bf16 op is emulated, measured 4x slower than float32 at the CIFAR-10 MHGAN shape "
    "(benchmarks/train_step.py); set execution.precision='auto' or 'float32' (and execution.mixed_bfloat16=None)")


@gin.configurable("execution")
@dataclasses.dataclass(frozen=True)
class ExecutionSettings:
  """How the train step executes (gin `execution.*`); a bad value is a one-line ValueError when made.

  precision: 'auto', 'float32' or 'mixed_bfloat16' (module docstring).
  mixed_bfloat16: older configs: True / False = precision 'mixed_bfloat16' / 'float32'; None = `precision`.
  jit_compile: XLA for the per-replica steps on GPU / CPU; TPUs always compile; on CPU it measured 1.4-5x slower.
  """

  precision: str = "auto"
  mixed_bfloat16: Optional[bool] = None
  jit_compile: bool = False

  def __post_init__(self):
    check_precision(self.precision)
    if self.mixed_bfloat16 is not None and not isinstance(self.mixed_bfloat16, bool):
      raise ValueError(f"execution.mixed_bfloat16={self.mixed_bfloat16!r}: expected True, False or None")
    if not isinstance(self.jit_compile, bool):
      raise ValueError(f"execution.jit_compile={self.jit_compile!r}: expected True or False")


def check_precision(precision) -> None:
  """One-line ValueError unless `precision` is one of PRECISIONS."""
  if precision not in PRECISIONS:
    raise ValueError(f"execution.precision={precision!r} is not valid; valid: {', '.join(map(repr, PRECISIONS))}")


def cpu_has_native_bf16(flags) -> bool:
  return any(f in flags for f in NATIVE_BF16_CPU_FLAGS)


# oneDNN's ISA caps (`ONEDNN_MAX_CPU_ISA`, formerly `DNNL_MAX_CPU_ISA`) below its bfloat16 kernels: under one of them
# bf16 ops have no oneDNN kernel however the CPU is equipped (TF 2.21 segfaults at a bf16 matmul).
ISA_CAPS_WITHOUT_BF16 = ("SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX512_CORE", "AVX512_CORE_VNNI")


def onednn_isa_cap(environ=None) -> str:
  """The ISA oneDNN is capped to by the environment (upper case; '' when not capped)."""
  environ = os.environ if environ is None else environ
  return (environ.get("ONEDNN_MAX_CPU_ISA") or environ.get("DNNL_MAX_CPU_ISA") or "").strip().upper()


def device_kind(strategy: tf.distribute.Strategy) -> str:
  """'TPU', 'GPU' or 'CPU': where the strategy's replicas run."""
  if isinstance(strategy, (tf.distribute.TPUStrategy, tf.distribute.experimental.TPUStrategy)):
    return "TPU"
  try:
    devices = tuple(strategy.extended.worker_devices)
  except (RuntimeError, AttributeError):  # the default strategy: TF places ops on a GPU if there is one
    devices = tuple(d.name for d in tf.config.list_logical_devices("GPU"))
  return "GPU" if any("GPU" in d.upper() for d in devices) else "CPU"


def decide(precision: str, mixed_bfloat16: Optional[bool], kind: str, flags, isa_cap: str = "") -> tuple:
  """(Keras policy name, reason, warning or None) for a run on `kind` ('TPU' / 'GPU' / 'CPU') whose CPU has `flags`
  and oneDNN capped to `isa_cap` ('' = none; `onednn_isa_cap`).

  Raises:
    ValueError: `precision` is not one of PRECISIONS; bfloat16 asked for on a CPU whose oneDNN is capped below
      its bf16 kernels.
  """
  check_precision(precision)
  if mixed_bfloat16 is not None:
    policy = "mixed_bfloat16" if mixed_bfloat16 else "float32"
    reason = f"execution.mixed_bfloat16={bool(mixed_bfloat16)}"
  elif precision != "auto":
    policy, reason = precision, f"execution.precision={precision!r}"
  elif kind == "TPU":
    policy, reason = "mixed_bfloat16", "auto: TPU"
  elif kind == "CPU" and cpu_has_native_bf16(flags) and isa_cap not in ISA_CAPS_WITHOUT_BF16:
    policy, reason = "mixed_bfloat16", "auto: CPU with native bfloat16 (avx512_bf16 / amx_bf16)"
  else:
    policy = "float32"
    reason = "auto: GPU (set execution.precision for bfloat16)" if kind == "GPU" else (
        "auto: CPU without native bfloat16")
  if policy == "mixed_bfloat16" and kind == "CPU" and isa_cap in ISA_CAPS_WITHOUT_BF16:
    raise ValueError(f"{reason} with ONEDNN_MAX_CPU_ISA={isa_cap}: that caps oneDNN below its bfloat16 kernels "
                     "(TensorFlow crashes at a bf16 matmul); set execution.precision='float32' or unset the cap")
  warning = None
  if policy == "mixed_bfloat16" and kind == "CPU" and not cpu_has_native_bf16(flags):
    warning = SLOW_BF16_WARNING
  return policy, reason, warning


def policy_for(precision: str, mixed_bfloat16: Optional[bool], strategy: tf.distribute.Strategy) -> str:
  """The Keras policy for this run on this host; logs the choice and, where bf16 is emulated, a warning."""
  kind = device_kind(strategy)
  flags = cpu_flags() if kind == "CPU" else frozenset()
  policy, reason, warning = decide(precision, mixed_bfloat16, kind, flags, onednn_isa_cap())
  logging.info("precision: %s (%s; %s %s)", policy, reason, kind,
               platform.machine())
  if warning:
    logging.warning(warning)
  return policy
