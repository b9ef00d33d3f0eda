"""This host's CPU features and available memory, read without TensorFlow, and the oneDNN choice made from
them before TF starts.

TensorFlow's x86-64 wheels run their oneDNN kernels (convolutions, matmuls, batch norm) by default only on CPUs
with AVX-512 VNNI / BF16 or AMX; on an AVX2-only CPU (e.g. AMD EPYC Rome / Milan) they use Eigen's, unless the
environment variable TF_ENABLE_ONEDNN_OPTS=1 is set before TensorFlow is imported. On a 2-core AVX2 + FMA EPYC
the MNIST CPU configs trained 1.27-1.38x faster with oneDNN (docs/benchmarks.md), with the same numbers up to
round-off: after 3 steps the losses agree within 3e-4 relative and the weights within 2 learning rates, which
Adam's first updates amplify round-off to (`tests/training/test_onednn.py`), so `prefer_onednn` sets the variable on x86 CPUs with
AVX2 when the user has not set it. `import tfgan_mh` calls it; it has no effect once TensorFlow is imported
(TF reads the variable once), and `onednn_state` then reports what TF actually runs. Set
TF_ENABLE_ONEDNN_OPTS=0 (or 1) yourself to choose.
"""

import os
import sys
from typing import Optional

ONEDNN_ENV = "TF_ENABLE_ONEDNN_OPTS"
_CHOICE = {"reason": "not decided", "set_here": False}


def user_environment(environ=os.environ) -> dict:
  """`environ` without what `prefer_onednn` set: the environment for a process that must choose by itself."""
  if not _CHOICE["set_here"]:
    return dict(environ)
  return {k: v for k, v in environ.items() if k != ONEDNN_ENV}


def cpu_flags(path: str = "/proc/cpuinfo") -> frozenset:
  """The CPU feature flags of this host (x86 `flags` / ARM `Features` line of /proc/cpuinfo); empty where unknown."""
  try:
    with open(path, encoding="utf-8", errors="replace") as f:
      for line in f:
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
          return frozenset(value.split())
  except OSError:
    pass
  return frozenset()


def onednn_choice(environ, flags, tensorflow_imported: bool):
  """(value to set for TF_ENABLE_ONEDNN_OPTS or None, reason): the decision of `prefer_onednn`, without effects."""
  if environ.get(ONEDNN_ENV) is not None:
    return None, f"{ONEDNN_ENV}={environ[ONEDNN_ENV]} set by the user"
  if tensorflow_imported:
    return None, "TensorFlow was imported before tfgan_mh: TensorFlow's own default"
  if "avx2" not in flags:
    return None, "not an x86 CPU with AVX2: TensorFlow's own default"
  return "1", "auto: x86 CPU with AVX2 (faster convolutions than Eigen's, measured in docs/benchmarks.md)"


def prefer_onednn(environ=os.environ, flags=None) -> str:
  """Sets TF_ENABLE_ONEDNN_OPTS=1 on x86 CPUs with AVX2 unless the user set it or TF is imported; the reason."""
  value, reason = onednn_choice(environ, cpu_flags() if flags is None else flags, "tensorflow" in sys.modules)
  if value is not None:
    environ[ONEDNN_ENV] = value
  _CHOICE.update(reason=reason, set_here=value is not None)
  return reason


def onednn_state() -> dict:
  """{'enabled': whether TF runs oneDNN kernels in this process, 'reason': how that was chosen} (TF imported)."""
  try:
    from tensorflow.python.util import _pywrap_util_port  # pylint: disable=g-import-not-at-top
    enabled = bool(_pywrap_util_port.IsMklEnabled())
  except (ImportError, AttributeError):  # pragma: no cover - a TF without the query
    enabled = None
  return {"enabled": enabled, "reason": _CHOICE["reason"]}


def available_bytes() -> Optional[int]:
  """Memory this process can still allocate on the host: MemAvailable, or the cgroup (v2) limit's rest
  when lower; None where neither is readable (not Linux)."""
  values = []
  try:
    with open("/proc/meminfo") as f:
      for line in f:
        if line.startswith("MemAvailable:"):
          values.append(int(line.split()[1]) * 1024)
  except OSError:
    pass
  try:
    with open("/sys/fs/cgroup/memory.max") as f:
      limit = f.read().strip()
    with open("/sys/fs/cgroup/memory.current") as f:
      current = int(f.read().strip())
    if limit != "max":
      values.append(int(limit) - current)
  except (OSError, ValueError):
    pass
  return min(values) if values else None
