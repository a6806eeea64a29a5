"""``spectral_normalize``: a model's copy with every kernel spectrally
normalised (``keras_gans.spectral_norm.SpectralNormalization``), for
networks not built by this package's builders."""

import keras

from keras_gans.spectral_norm import spectral_norm as _sn

__all__ = ["spectral_normalize"]


def spectral_normalize(model: keras.Model, **options) -> keras.Model:
    """A copy of a functional or Sequential ``model`` with every layer that
    has a kernel (Dense, convolutions) spectrally normalised.

    The copy has the same layer names and starts from the same weights (plus
    each layer's power-iteration vector ``u``); ``model`` is unchanged. For
    the builders, pass ``spectral_norm=True`` instead.

    Args:
        model: a functional or Sequential ``keras.Model``, built.
        **options: ``SpectralNormalization`` options (``power_iterations``,
            ``epsilon``, ``seed``).

    Raises:
        ValueError: a subclassed model, a nested model, a layer already
            normalised, or no layer with a kernel to normalise.
    """
    from keras_gans.spectral_norm import SpectralNormalization

    from keras.src.models.functional import Functional

    if not isinstance(model, (Functional, keras.Sequential)):
        raise ValueError(
            "spectral_normalize needs a functional or Sequential "
            f"keras.Model (a subclassed model's layers cannot be rewrapped), "
            f"got {type(model).__name__}."
        )
    wrapped = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            raise ValueError(
                f"Cannot spectrally normalise nested model {layer.name!r}; "
                "normalise it first and nest the result."
            )
        if isinstance(layer, SpectralNormalization):
            raise ValueError(
                f"Layer {layer.name!r} is already spectrally normalised."
            )
        if isinstance(getattr(layer, "kernel", None), keras.Variable):
            wrapped.append(layer.name)
    if not wrapped:
        raise ValueError(
            f"Model {model.name!r} has no layer with a kernel to spectrally "
            f"normalise; its layers: {[layer.name for layer in model.layers]}."
        )

    def clone(layer):
        copy = layer.__class__.from_config(layer.get_config())
        if layer.name in wrapped:
            return _sn(copy, True, **options)
        return copy

    copy = keras.models.clone_model(model, clone_function=clone)
    for layer in model.layers:
        target = copy.get_layer(layer.name)
        if isinstance(target, SpectralNormalization):
            target = target.layer
        if layer.weights:
            target.set_weights(layer.get_weights())
    return copy
