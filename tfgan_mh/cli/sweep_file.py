r"""The sweep file of `launch/batch.sh SWEEP_FILE [options]`: its format, parsing and checks (`tfgan_mh.cli.sweep`
runs the lines).

Sweep file: one run per line, split like a shell command line (quotes as in bash); `#` starts a comment;
blank lines are ignored.

  GIN_FILE [--gin_param=BINDING | --gin_param BINDING | BINDING]... [--gin_file=EXTRA]... [name=RUN] [tpu=TPU]

  gin/experiments/ring_kplus1.gin train.num_steps=2000 name=ring_kplus1_2k
  gin/experiments/ring_mode_gan.gin "--gin_param=g/adam.learning_rate=2e-4"   # run name ring_mode_gan-L2

A bare BINDING is any token with '=' whose key contains '.' (gin's `configurable.param`, optionally
scoped: `g/adam.beta_1=0.5`); gin string values need their quotes kept: "build_source.name='ring'".
Paths are relative to the current directory (run from the repository root, as the launch scripts).
Every run gets model_dir = PREFIX/RUN, RUN = name= or `<gin file stem>-L<line number>` (give name= to runs
you may move within the file: the derived name follows the line). Names must be unique in the file.

Before anything starts every line is checked — tokens, the gin files exist, name unique, and the gin files
parse with the line's bindings (`tfgan_mh.cli.parse_gin`) — and every bad line is reported as
`SWEEP:LINE: message` (exit 2, nothing started).
"""

import dataclasses
import os
import re
import shlex
from typing import Dict, List, Optional

from tfgan_mh import cli

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_BINDING_RE = re.compile(r"^[A-Za-z_][\w./]*\.[\w]+\s*=")  # [scope/]configurable.param=value


class SweepError(ValueError):
  """Bad sweep lines; `messages` holds one 'SWEEP:LINE: message' per problem."""

  def __init__(self, messages: List[str]):
    super().__init__(messages[0] if messages else "bad sweep")
    self.messages = list(messages)


@dataclasses.dataclass
class Run:
  """One line of a sweep."""
  lineno: int
  gin_file: str
  extra_gin_files: List[str]
  gin_params: List[str]
  name: str
  tpu: Optional[str] = None
  model_dir: str = ""

  @property
  def gin_files(self) -> List[str]:
    return [self.gin_file] + self.extra_gin_files

  def train_flags(self) -> List[str]:
    return ([f"--gin_file={f}" for f in self.extra_gin_files] +
            [f"--gin_param={p}" for p in self.gin_params])


def parse_sweep(path: str) -> List[Run]:
  """Parses a sweep file (see the module docstring); SweepError with every bad line."""
  runs, errors = read_sweep(path)
  if errors:
    raise SweepError(errors)
  return runs


def read_sweep(path: str):
  """(runs of the good lines, ['SWEEP:LINE: message' for every bad line]) of a sweep file."""
  if not os.path.isfile(path):
    return [], [f"{path}: sweep file does not exist"]
  with open(path) as f:
    text = f.read()
  runs, errors = [], []
  for lineno, line in enumerate(text.splitlines(), 1):
    where = f"{path}:{lineno}"
    try:
      tokens = shlex.split(line, comments=True)
    except ValueError as e:  # unbalanced quotes
      errors.append(f"{where}: cannot split the line ({e}); quote as in a shell command line")
      continue
    if not tokens:
      continue
    try:
      runs.append(_parse_line(tokens, lineno))
    except ValueError as e:
      errors.append(f"{where}: {e}")
  seen: Dict[str, int] = {}
  for run in runs:
    if run.name in seen:
      errors.append(f"{path}:{run.lineno}: run name {run.name!r} is already used on line {seen[run.name]}; "
                    "give each line its own name=")
    seen.setdefault(run.name, run.lineno)
  if not runs and not errors:
    errors.append(f"{path}: no runs (every line is blank or a comment)")
  return runs, errors


def by_line(messages: List[str], sweep: str) -> List[str]:
  """The 'SWEEP:LINE: message' messages ordered by line (messages without a line first)."""
  def key(m):
    head = m[len(sweep) + 1:].split(":", 1)[0] if m.startswith(sweep + ":") else ""
    return int(head) if head.isdigit() else 0
  return sorted(messages, key=key)


def _parse_line(tokens: List[str], lineno: int) -> Run:
  gin_file = tokens[0]
  if gin_file.startswith("-") or "=" in gin_file:
    raise ValueError(f"a line starts with its gin file, got {gin_file!r}")
  cli.resolve_gin_file(gin_file)  # a path (relative to the current directory) or a packaged name
  extra, params, name, tpu = [], [], None, None
  i = 1
  while i < len(tokens):
    tok = tokens[i]
    if tok in ("--gin_param", "--gin_file"):
      if i + 1 == len(tokens):
        raise ValueError(f"{tok} needs a value")
      tok, i = f"{tok}={tokens[i + 1]}", i + 1
    if tok.startswith("--gin_param="):
      params.append(tok[len("--gin_param="):])
    elif tok.startswith("--gin_file="):
      f = tok[len("--gin_file="):]
      cli.resolve_gin_file(f)
      extra.append(f)
    elif tok.startswith("name="):
      if name is not None:
        raise ValueError(f"name= given twice ({name!r}, {tok[5:]!r})")
      name = tok[5:]
      if not _NAME_RE.match(name):
        raise ValueError(f"run name {name!r} must be letters, digits, '.', '_' or '-' (it becomes a folder)")
    elif tok.startswith("tpu="):
      tpu = tok[4:]
      if not tpu:
        raise ValueError("tpu= needs a TPU name")
    elif _BINDING_RE.match(tok):
      params.append(tok)
    else:
      raise ValueError(f"unexpected {tok!r}: expected --gin_param=BINDING, a binding "
                       "'configurable.param=value', --gin_file=FILE, name=RUN or tpu=TPU")
    i += 1
  stem = os.path.splitext(os.path.basename(gin_file))[0]
  return Run(lineno=lineno, gin_file=gin_file, extra_gin_files=extra, gin_params=params,
             name=name or f"{stem}-L{lineno}", tpu=tpu)


def check_gin(runs: List[Run], sweep: str) -> List[str]:
  """Parses every line's gin files + bindings (`cli.parse_gin`): ['SWEEP:LINE: message']."""
  import gin  # pylint: disable=g-import-not-at-top
  errors = []
  for run in runs:
    gin.clear_config()
    try:
      cli.parse_gin(run.gin_files, run.gin_params)
    except ValueError as e:
      errors.append(f"{sweep}:{run.lineno}: {cli.first_line(e)}")
  gin.clear_config()
  return errors
