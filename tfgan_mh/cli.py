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
    gin.parse_config_files_and_bindings(gin_files, None, finalize_config=False)
  except Exception as e:  # gin raises ValueError, SyntaxError, KeyError, ... # pylint: disable=broad-except
    raise ValueError(f"gin configuration error in {', '.join(gin_files) or 'bindings'}: "
                     f"{first_line(e)}") from None
  for binding in gin_params or ():
    try:
      gin.parse_config(binding)
    except Exception as e:  # pylint: disable=broad-except
      raise ValueError(f"gin configuration error in --gin_param {binding!r}: {first_line(e)}") from None


def check_bindings_used(gin_params) -> None:
  """ValueError naming the first binding of `gin_params` that binds nothing the operative config used.

  Call it once the program has called every configurable it will (the trainer: after its first steps). A
  binding `scope/name.arg = v` is used when `name` was called in `scope` or a scope nested in it; an
  unscoped one when `name` was called at all. Macros, imports and includes are not checked.
  """
  import gin  # pylint: disable=g-import-not-at-top
  operative = list(gin.config._OPERATIVE_CONFIG)  # [(scope, selector)] called so far # pylint: disable=protected-access
  for binding in gin_params or ():
    key = binding.split("=", 1)[0].strip()
    if "=" not in binding or "." not in key or key.startswith(("import", "include")):
      continue
    try:
      parsed = gin.config.ParsedBindingKey.parse(key)
    except Exception:  # pylint: disable=broad-except
      continue  # a macro or constant
    if parsed.complete_selector == "gin.macro":
      continue
    scopes = sorted({s for s, sel in operative if sel == parsed.complete_selector})
    used = [s for s in scopes if not parsed.scope or s == parsed.scope or s.startswith(parsed.scope + "/")]
    if used:
      continue
    name = parsed.given_selector
    where = (f"{name} is called under scope(s) {', '.join(repr(s) for s in scopes)}" if scopes else
             f"{name} is not called by this configuration")
    raise ValueError(f"--gin_param {binding!r} binds nothing this run uses: {where}")


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
