"""GAN-train and GAN-test (Shmelkov et al., 2018), as used in §4.4 / Tables 2-3 of Sapkota et al. 2022 (AAM).

  * GAN-test: a classifier trained on REAL training data, evaluated on GENERATED samples labelled by
    their conditioning class y of G(z, y) — precision-like (do samples look like their class?).
  * GAN-train: a classifier trained on GENERATED samples (labels = conditioning classes), evaluated
    on the REAL test set — recall-like (do samples cover the class distributions?).
Both are top-1 accuracies (`accuracy.classifier_accuracy`). The trainer below is a plain Keras
`fit` on in-memory arrays that the eval job reuses for GAN-train (and tests use for GAN-test);
the paper's classifiers are ResNet-18s, `build_small_classifier` is a small default for MNIST/CIFAR-
size inputs. `jit_compile` defaults to False (on CPU, XLA measured slower for small nets: 1.4-5x per step on
a 32x32 GAN, plus about a minute of compiling).
"""

from typing import Callable, NamedTuple, Sequence

import keras
import numpy as np

from tfgan_mh.metrics.accuracy import classifier_accuracy


def build_small_classifier(input_shape: Sequence[int], num_classes: int, *,
                           width: int = 32) -> keras.Model:
  """A small convnet (images [H, W, C]) or MLP (vectors [d]) returning [B, K] logits.

  Args:
    input_shape: per-example shape, e.g. (32, 32, 3) or (2,).
    num_classes: K.
    width: channels of the first layer.

  Returns:
    A functional keras.Model (built, with its Input layer).
  """
  if int(num_classes) < 2:
    raise ValueError(f"num_classes must be >= 2, got {num_classes!r}.")
  inputs = keras.Input(tuple(input_shape))
  if len(input_shape) == 3:
    h = keras.layers.Conv2D(width, 3, padding="same", activation="relu")(inputs)
    h = keras.layers.MaxPooling2D()(h)
    h = keras.layers.Conv2D(2 * width, 3, padding="same", activation="relu")(h)
    h = keras.layers.GlobalAveragePooling2D()(h)
  elif len(input_shape) == 1:
    h = keras.layers.Dense(2 * width, activation="relu")(inputs)
  else:
    raise ValueError(f"input_shape must be [H, W, C] or [d], got {tuple(input_shape)}.")
  logits = keras.layers.Dense(int(num_classes))(h)  # [B, K]
  return keras.Model(inputs, logits, name="small_classifier")


def train_classifier(model: keras.Model, x, y, *, epochs: int = 10, batch_size: int = 128,
                     learning_rate: float = 1e-3, seed: int = 0, jit_compile: bool = False,
                     verbose: int = 0) -> keras.Model:
  """Trains a logits classifier with Adam + sparse softmax cross-entropy on arrays.

  Calls `keras.utils.set_random_seed(seed)` (global Python / numpy / TF seeds) for repeatability.

  Args:
    model: keras.Model mapping [B, ...] inputs to [B, K] logits.
    x: [N, ...] inputs.
    y: [N] int labels.
    epochs: passes over the data.
    batch_size: minibatch size.
    learning_rate: Adam learning rate.
    seed: global seed set before training.
    jit_compile: XLA for the train step.
    verbose: Keras fit verbosity.

  Returns:
    The trained model (same object).
  """
  x = np.asarray(x, np.float32)
  y = np.asarray(y).reshape(-1).astype(np.int64)
  if x.shape[0] != y.shape[0] or x.shape[0] == 0:
    raise ValueError(f"need as many labels as inputs (> 0), got {x.shape[0]} inputs and "
                     f"{y.shape[0]} labels.")
  keras.utils.set_random_seed(seed)
  model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                jit_compile=jit_compile)
  model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=verbose)
  return model


def predict_logits(model: Callable, x, *, batch_size: int = 256) -> np.ndarray:
  """[N, K] logits of `model` (a keras.Model or any callable on [B, ...]) in batches."""
  x = np.asarray(x, np.float32)
  out = [np.asarray(model(x[i:i + batch_size], training=False) if isinstance(model, keras.Model)
                    else model(x[i:i + batch_size]))
         for i in range(0, x.shape[0], batch_size)]
  if not out:
    raise ValueError("x is empty.")
  return np.concatenate(out).astype(np.float64)


def gan_test(*, classifier: Callable, x_generated, y_generated, batch_size: int = 256) -> float:
  """GAN-test: accuracy of a real-data classifier on generated samples (AAM §4.4).

  Args:
    classifier: model trained on real training data, [B, ...] -> [B, K] logits.
    x_generated: [N, ...] samples G(z, y).
    y_generated: [N] their conditioning labels y.
    batch_size: inference batch.

  Returns:
    float accuracy.
  """
  logits = predict_logits(classifier, x_generated, batch_size=batch_size)
  return classifier_accuracy(logits=logits, labels=y_generated)


class GanTrainResult(NamedTuple):
  accuracy: float  # GAN-train: accuracy on the real test set
  model: keras.Model  # the classifier trained on generated samples


def gan_train(*, make_classifier: Callable[[], keras.Model], x_generated, y_generated, x_test,
              y_test, epochs: int = 10, batch_size: int = 128, learning_rate: float = 1e-3,
              seed: int = 0) -> GanTrainResult:
  """GAN-train: train a fresh classifier on generated samples, test it on real data (AAM §4.4).

  Args:
    make_classifier: () -> new keras.Model giving [B, K] logits (e.g. a partial of
      `build_small_classifier`).
    x_generated: [N, ...] generated samples.
    y_generated: [N] their conditioning labels.
    x_test: [M, ...] real test inputs.
    y_test: [M] real test labels.
    epochs: training epochs.
    batch_size: training batch size.
    learning_rate: Adam learning rate.
    seed: global seed set before training.

  Returns:
    GanTrainResult(accuracy, model).
  """
  model = train_classifier(make_classifier(), x_generated, y_generated, epochs=epochs,
                           batch_size=batch_size, learning_rate=learning_rate, seed=seed)
  logits = predict_logits(model, x_test, batch_size=max(batch_size, 256))
  return GanTrainResult(classifier_accuracy(logits=logits, labels=y_test), model)
