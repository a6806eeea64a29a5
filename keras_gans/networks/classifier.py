"""The digits classifier: the small CNN that
``keras-gans-train-classifier`` trains and ``keras_gans.metrics`` loads
(``assets/digits_classifier.keras``) to score generated digits."""

import keras

__all__ = ["digits_classifier"]


def digits_classifier(
    num_classes: int = 10,
    feature_dim: int = 64,
    dropout: float = 0.3,
    seed=None,
    name: str = "digits_classifier",
) -> keras.Model:
    """Small CNN ``digits [B, 8, 8, 1] in [-1, 1] -> logits [B, classes]``.

    conv 3x3 32 -> conv 3x3 64 -> max-pool 2 -> conv 3x3 128 -> flatten ->
    dropout -> Dense ``feature_dim`` ReLU (layer ``features``: the
    penultimate features of the Frechet distance) -> dropout -> Dense
    ``num_classes`` (layer ``logits``). All ReLU, "same" padding.
    """
    # The one family of layer seeds not drawn from named streams
    # (rng.layer_seed): the shipped classifier (keras_gans/assets) is this
    # recipe at seed 0 (bin/train_classifier.py), and every recorded
    # image score depends on those weights; seeds ``seed + i`` keep the
    # recipe the one that made them.
    init = keras.initializers.GlorotUniform
    x = keras.Input((8, 8, 1), name="image")
    h = x
    for i, filters in enumerate((32, 64)):
        h = keras.layers.Conv2D(
            filters,
            3,
            padding="same",
            activation="relu",
            kernel_initializer=init(None if seed is None else seed + i),
            name=f"conv_{i}",
        )(h)
    h = keras.layers.MaxPooling2D(2, name="pool")(h)
    h = keras.layers.Conv2D(
        128,
        3,
        padding="same",
        activation="relu",
        kernel_initializer=init(None if seed is None else seed + 2),
        name="conv_2",
    )(h)
    h = keras.layers.Flatten(name="flatten")(h)
    h = keras.layers.Dropout(dropout, seed=seed, name="dropout_0")(h)
    h = keras.layers.Dense(
        int(feature_dim),
        activation="relu",
        kernel_initializer=init(None if seed is None else seed + 3),
        name="features",
    )(h)
    h = keras.layers.Dropout(dropout, seed=seed, name="dropout_1")(h)
    logits = keras.layers.Dense(
        int(num_classes),
        kernel_initializer=init(None if seed is None else seed + 4),
        name="logits",
    )(h)
    return keras.Model(x, logits, name=name)
