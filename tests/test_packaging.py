"""Packaging: the declared dependencies are exactly what the package imports; console scripts and packaged gin names."""

import ast
import importlib.util
import os
import sys

from absl.testing import absltest

from tfgan_mh import cli

try:
  import tomllib  # Python 3.11+
except ImportError:  # pragma: no cover
  tomllib = None

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(REPO, "tfgan_mh")
# Distribution name -> the module it provides, where they differ.
MODULE_OF = {"tensorflow-datasets": "tensorflow_datasets", "absl-py": "absl", "gin-config": "gin",
             "tensorflow-hub": "tensorflow_hub"}
# Declared only because another dependency needs it without declaring it (pyproject.toml says which and why).
NEEDED_BY_ANOTHER = {"importlib_resources"}


def _project():
  if tomllib is None:
    raise absltest.SkipTest("tomllib needs Python 3.11+")
  with open(os.path.join(REPO, "pyproject.toml"), "rb") as f:
    return tomllib.load(f)["project"]


def _modules(requirements):
  names = [r.split(";")[0].split("[")[0] for r in requirements]
  names = [n.split(">")[0].split("<")[0].split("=")[0].split("!")[0].strip() for n in names]
  return {MODULE_OF.get(n, n.replace("-", "_")) for n in names}


def _imports_of(folder, own=("tfgan_mh",)):
  """Top-level third-party modules imported anywhere below `folder` (at module level or inside functions)."""
  found = {}
  for root, _, files in os.walk(folder):
    for name in files:
      if not name.endswith(".py"):
        continue
      path = os.path.join(root, name)
      with open(path) as f:
        tree = ast.parse(f.read(), path)
      for node in ast.walk(tree):
        if isinstance(node, ast.Import):
          tops = [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
          tops = [node.module.split(".")[0]]
        else:
          continue
        for top in tops:
          found.setdefault(top, os.path.relpath(path, REPO))
  return {m: where for m, where in found.items() if m not in sys.stdlib_module_names and m not in own}


class DependenciesTest(absltest.TestCase):

  def test_every_import_is_declared_and_every_dependency_imported(self):
    project = _project()
    required = _modules(project["dependencies"])
    optional = set().union(*(_modules(v) for k, v in project["optional-dependencies"].items() if k != "test"))
    imported = _imports_of(PACKAGE)
    undeclared = {m: where for m, where in imported.items() if m not in required | optional}
    self.assertEqual(undeclared, {}, "imported by the package but not declared in pyproject.toml")
    self.assertEqual(sorted(required - set(imported) - NEEDED_BY_ANOTHER), [], "declared but never imported")
    self.assertEqual(sorted(optional - set(imported)), [], "optional extra that nothing imports")

  def test_every_import_of_the_tests_is_declared(self):
    project = _project()
    declared = _modules(project["dependencies"]) | _modules(project["optional-dependencies"]["test"])
    imported = _imports_of(os.path.join(REPO, "tests"), own=("tfgan_mh", "tests"))
    self.assertEqual({m: w for m, w in imported.items() if m not in declared}, {},
                     "imported by the tests but in neither the dependencies nor the test extra")

  def test_tensorflow_range_names_what_is_tested(self):
    tf_requirement = [r for r in _project()["dependencies"] if r.startswith("tensorflow>")]
    self.assertLen(tf_requirement, 1)
    self.assertRegex(tf_requirement[0], r"^tensorflow>=2\.16,<2\.\d+$")

  def test_console_scripts_point_at_callables(self):
    scripts = _project()["scripts"]
    self.assertContainsSubset({"tfgan-train", "tfgan-eval", "tfgan-sample", "tfgan-export", "tfgan-reproduce",
                               "tfgan-evaluate-samples"}, set(scripts))
    for name, target in scripts.items():  # read, not imported: the entry modules define absl flags
      module, function = target.split(":")
      with open(importlib.util.find_spec(module).origin) as f:
        tree = ast.parse(f.read())
      functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
      self.assertIn(function, functions, f"{name} = {target}")


class PackagedGinTest(absltest.TestCase):

  def test_packaged_names_and_paths_resolve_to_the_same_file(self):
    packaged = cli.resolve_gin_file("experiments/mnist_mhinge_cpu")
    self.assertEqual(packaged, os.path.join(cli.GIN_DIR, "experiments", "mnist_mhinge_cpu.gin"))
    self.assertTrue(os.path.isfile(packaged))
    cwd = os.getcwd()
    os.chdir(self.create_tempdir().full_path)  # no gin/ here: the checkout-style name maps to the package
    try:
      self.assertEqual(cli.resolve_gin_file("gin/experiments/mnist_mhinge_cpu.gin"), packaged)
      self.assertEqual(cli.resolve_gin_file("experiments/mnist_mhinge_cpu.gin"), packaged)
    finally:
      os.chdir(cwd)
    own = self.create_tempfile("mine.gin", "train.num_steps = 3\n").full_path
    self.assertEqual(cli.resolve_gin_file(own), own)  # a path wins

  def test_missing_gin_file_is_one_line_naming_both_ways(self):
    for spec in ("experiments/nope", "/abs/nope.gin"):
      with self.assertRaisesRegex(ValueError, rf"^gin file '{spec}' does not exist: give a path to a \.gin file "
                                              r"or a packaged name such as 'experiments/mnist_mhinge_cpu'"):
        cli.resolve_gin_file(spec)

  def test_every_experiment_is_listed_and_its_includes_exist(self):
    names = cli.packaged_gin_names("experiments")
    self.assertIn("experiments/mnist_mhinge_cpu", names)
    self.assertEqual(len(names), len(os.listdir(os.path.join(cli.GIN_DIR, "experiments"))))
    for name in names:
      with open(cli.resolve_gin_file(name)) as f:
        for line in f:
          if line.startswith("include "):
            included = line.split("'")[1]
            self.assertTrue(os.path.isfile(os.path.join(cli.GIN_DIR, included)), f"{name}: {line.strip()}")


if __name__ == "__main__":
  absltest.main()
