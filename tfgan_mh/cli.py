"""What the command-line entry points share: one-line errors and early checks of output paths."""

import os
import sys
from typing import Optional


def first_line(error: BaseException) -> str:
  """The message of an error without the context lines gin appends ("In call to configurable ...")."""
  text = str(error).strip()
  return text.splitlines()[0] if text else type(error).__name__


def fail(message: str, code: int = 1):
  """Prints `error: message` on stderr and exits with `code`."""
  print(f"error: {message}", file=sys.stderr)
  sys.exit(code)


def parse_gin(gin_files, gin_params) -> None:
  """Parses gin files + bindings (every configurable registered); ValueError naming the file and gin's message.

  `include 'gin/base/x.gin'` resolves against the checkout (editable install) and the current directory.
  """
  import gin  # pylint: disable=g-import-not-at-top
  import tfgan_mh.configurables  # noqa: F401  pylint: disable=g-import-not-at-top,unused-import
  for path in gin_files:
    if not os.path.exists(path):
      raise ValueError(f"gin file {path!r} does not exist")
  gin.add_config_file_search_path(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
  try:
    gin.parse_config_files_and_bindings(gin_files, gin_params, finalize_config=False)
  except Exception as e:  # gin raises ValueError, SyntaxError, KeyError, ... # pylint: disable=broad-except
    raise ValueError(f"gin configuration error in {', '.join(gin_files) or 'bindings'}: "
                     f"{first_line(e)}") from None


def parse_flags(argv):
  """absl parsing with a one-line error (absl's own adds a second line and a usage hint)."""
  from absl import flags  # pylint: disable=g-import-not-at-top
  try:
    return flags.FLAGS(argv)
  except flags.Error as e:
    fail(first_line(e))


def unwritable_reason(path: str) -> Optional[str]:
  """Why `path` (a local file or folder to create) cannot be written, or None when it can.

  Walks up to the first folder that exists (the ones above `path` that are missing would be created):
  it must be a directory with write permission.
  """
  existing = os.path.dirname(os.path.abspath(path))
  while not os.path.exists(existing):  # the folders to create, up to the first one that exists
    existing = os.path.dirname(existing)
  if not os.path.isdir(existing):
    return f"{existing!r} is a file, not a directory"
  if not os.access(existing, os.W_OK | os.X_OK):
    return f"no write permission in {existing!r}"
  return None
