r"""Train a dataset classifier for the eval job and export it as a SavedModel (logits + features).

  python -m tfgan_mh.cli.train_classifier --dataset=mnist --resolution=32 --out=/tmp/mnist32_classifier \
      [--path=/path/to/mnist] [--epochs=3 --batch_size=128 --overwrite]
  python -m tfgan_mh.cli.train_classifier --dataset=cifar10 --data_dir=~/tensorflow_datasets \
      --out=/tmp/cifar10_classifier

The eval job then uses `--extractor=classifier:/tmp/mnist32_classifier` (AM Score of the AM-GAN paper, GAN-test and
confidence of the AAM paper, the MNIST "inception score" of the MAGAN paper). The test accuracy, measured
through the exported
SavedModel on the whole test split (validation split when there is no test split), is printed and written
to `<out>/test_accuracy.json`. The names are those of `build_source`: mnist / fashion_mnist read TFDS
(downloaded once into --data_dir, default ~/tensorflow_datasets), or with `--path` a local folder of the four
idx files of the MNIST site (a --data_dir holding those files is read the same way); local sources (npz,
image_folder) read `--path`, or `--data_dir` when only that is given. Train at the GAN's resolution (32 for
base/data_mnist.gin); other sizes are resized by the extractor. See `tfgan_mh.evaluation.classifier` for
architectures and measured figures.
"""

import sys

from absl import app
from absl import flags

FLAGS = flags.FLAGS
flags.DEFINE_string("dataset", None, "A tfgan_mh.data source name (mnist, fashion_mnist, cifar10, image_folder, "
                    "npz, ...).")
flags.DEFINE_string("data_dir", None, "TFDS data dir; local sources: their folder if no --path.")
flags.DEFINE_string("path", None, "mnist / fashion_mnist: a local idx folder instead of TFDS; local sources: the "
                    ".npz file or image folder (train split).")
flags.DEFINE_string("validation_path", None, "npz / image_folder: the validation split's file / folder.")
flags.DEFINE_integer("resolution", None, "Train / export at this side (the GAN's: 32 for MNIST).")
flags.DEFINE_string("out", None, "Output: SavedModel + test_accuracy.json (new, empty, or --overwrite).")
flags.DEFINE_string("arch", "auto", "auto | mnist_cnn | vgg (auto: mnist_cnn for 1 channel <= 32 px).")
flags.DEFINE_integer("epochs", None, "Epochs (default: 3 for mnist_cnn, 30 for vgg).")
flags.DEFINE_integer("batch_size", 128, "Training batch size.")
flags.DEFINE_float("learning_rate", 1e-3, "Peak Adam learning rate (cosine decay to 0).")
flags.DEFINE_float("train_fraction", None, "Train on this fraction of every class (quick runs); default all.")
flags.DEFINE_string("eval_split", "auto", "Test accuracy split: auto (test, else validation) or a name.")
flags.DEFINE_integer("seed", 0, "Global seed.")
flags.DEFINE_bool("overwrite", False, "Replace a non-empty --out (only once the new model is complete).")


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  if not FLAGS.dataset or not FLAGS.out:
    raise app.UsageError("--dataset and --out are required")
  from tfgan_mh.evaluation import classifier  # pylint: disable=g-import-not-at-top
  try:
    classifier.train_and_export(
        dataset=FLAGS.dataset, out=FLAGS.out, data_dir=FLAGS.data_dir, path=FLAGS.path,
        validation_path=FLAGS.validation_path, resolution=FLAGS.resolution, arch=FLAGS.arch,
        epochs=FLAGS.epochs, batch_size=FLAGS.batch_size, learning_rate=FLAGS.learning_rate,
        train_fraction=FLAGS.train_fraction, eval_split=FLAGS.eval_split, seed=FLAGS.seed,
        overwrite=FLAGS.overwrite)
  except ValueError as e:
    text = str(e).strip()
    print(f"error: {text.splitlines()[0] if text else type(e).__name__}", file=sys.stderr)
    sys.exit(1)


def console_main():
  """Console script `tfgan-train-classifier`."""
  app.run(main)


if __name__ == "__main__":
  console_main()
