"""Spectral normalisation of a layer's kernel (Miyato et al., 2018).

``SpectralNormalization(layer)`` reparametrises the wrapped layer's kernel
as ``W_SN = W / sigma(W)``, ``sigma(W)`` the largest singular value of ``W``
estimated by power iteration (Miyato et al., 2018, "Spectral Normalization
for Generative Adversarial Networks", Algorithm 1)::

    M = reshape(W, [-1, d_out])        # [d_in, d_out]
    repeat power_iterations times:     # training calls only
        v = M u / |M u|                # [d_in]
        u = M^T v / |M^T v|            # [d_out]
    sigma = stop_gradient(v)^T M stop_gradient(u)

For a ``Dense`` kernel ``M`` is the kernel itself; for a convolution
kernel ``[k, k, c_in, c_out]`` it is the ``[k*k*c_in, c_out]`` matrix (the
paper's reshape of the ``[c_out, c_in, k, k]`` tensor to ``c_out`` rows,
transposed: the same singular values). A transposed convolution's kernel
is ``[k, k, c_out, c_in]`` (``c_out`` its ``filters``): its output axis is
second to last, so ``M`` is ``[k*k*c_in, c_out]`` again, ``u`` of length
``c_out`` (PyTorch's ``spectral_norm`` takes ``dim=1``, the output
channels, for ``ConvTranspose`` layers for the same reason).

Conventions:

- ``u`` and ``v`` are constants (stop-gradient): the gradient flows through
  ``M`` in ``sigma``, as in the paper.
- ``u`` is a non-trainable weight of the layer (in ``model.weights``), so a
  checkpoint carries it and a restored model computes identical outputs.
  Under ``tf.distribute`` it has ``only_first_replica`` aggregation: every
  replica computes the same ``u`` (the same mirrored ``W``, no data), and
  the first replica's value is the one written, so replicas never drift.
- Power iteration runs, and ``u`` is updated, only on training calls
  (``training=True``) outside ``frozen()``; other calls use the stored
  ``u`` (one half step, ``v = M u / |M u|``, so ``sigma = |M u|``).
  Gradient penalties enter ``frozen()`` for their inner ``D`` call: the
  penalty's gradient treats the normalisation as a function of ``W`` only
  and never changes ``u``.
- The kernel variable itself is never written: the wrapped layer runs with
  ``W_SN`` substituted for its kernel (``keras.StatelessScope``).

Why not ``keras.layers.SpectralNormalization``: on every training call it
*assigns* ``W / sigma`` into the trainable kernel, so the optimizer steps a
projected kernel and no gradient flows through ``sigma`` (not the paper's
reparametrisation), and a penalty's inner training call overwrites both the
kernel and ``u`` in the middle of a step.
"""

import contextlib
import threading

import keras
import tensorflow as tf
from keras import ops

# The outer scope (e.g. Keras' symbolic build runs layers inside one) must
# be seen by the scope the wrapper opens; Keras exports no getter for it.
from keras.src.backend.common.stateless_scope import get_stateless_scope

__all__ = ["SpectralNormalization", "frozen", "is_frozen", "spectral_norm"]

_FROZEN = threading.local()

_TRANSPOSED = (
    keras.layers.Conv1DTranspose,
    keras.layers.Conv2DTranspose,
    keras.layers.Conv3DTranspose,
)


@contextlib.contextmanager
def frozen():
    """Within this context (at trace time), spectrally normalised layers do
    no power iteration and leave ``u`` as it is, even on training calls.

    The gradient penalties use it for their inner ``D`` call.
    """
    previous = getattr(_FROZEN, "value", False)
    _FROZEN.value = True
    try:
        yield
    finally:
        _FROZEN.value = previous


def is_frozen() -> bool:
    """Whether the calling code runs inside ``frozen()``."""
    return getattr(_FROZEN, "value", False)


def _normalize(x, epsilon):
    return x / ops.maximum(ops.sqrt(ops.sum(ops.square(x))), epsilon)


@keras.saving.register_keras_serializable(package="keras_gans")
class SpectralNormalization(keras.layers.Wrapper):
    """``layer`` with its kernel divided by its spectral norm.

    See the module docstring for the method and the conventions.

    Args:
        layer: a ``keras.layers.Layer`` with a ``kernel`` (``Dense``,
            ``Conv1D/2D/3D``, their transposes, ...).
        power_iterations: power-iteration steps per training call (1 in the
            paper: ``u`` is carried over from call to call).
        epsilon: floor of the norms in the power iteration and of ``sigma``
            (a zero kernel stays zero instead of 0/0).
        seed: seed of ``u``'s N(0, 1) initial value.
        **kwargs: base layer arguments (``name``, ...).

    Raises:
        ValueError: ``layer`` is not a layer, or has no ``kernel`` once
            built; ``power_iterations < 1``.
    """

    def __init__(
        self,
        layer,
        power_iterations: int = 1,
        epsilon: float = 1e-12,
        seed=None,
        **kwargs,
    ):
        if not isinstance(layer, keras.layers.Layer):
            raise ValueError(
                f"Spectral normalisation wraps a Keras layer, got {layer!r}."
            )
        if int(power_iterations) != power_iterations or power_iterations < 1:
            raise ValueError(
                "Spectral normalisation needs power_iterations >= 1, got "
                f"{power_iterations!r}."
            )
        super().__init__(layer, **kwargs)
        self.power_iterations = int(power_iterations)
        self.epsilon = float(epsilon)
        self.seed = seed
        if layer.built:
            self._check_kernel()

    def _check_kernel(self):
        kernel = getattr(self.layer, "kernel", None)
        if not isinstance(kernel, keras.Variable) or len(kernel.shape) < 2:
            raise ValueError(
                f"Cannot spectrally normalise layer {self.layer.name!r} "
                f"({type(self.layer).__name__}): it has no kernel of rank "
                ">= 2 (spectral normalisation wraps Dense and convolution "
                "layers)."
            )
        return kernel

    def _out_axis(self):
        return -2 if isinstance(self.layer, _TRANSPOSED) else -1

    def build(self, input_shape):
        super().build(input_shape)
        kernel = self._check_kernel()
        self.vector_u = self.add_weight(
            shape=(kernel.shape[self._out_axis()],),
            initializer=keras.initializers.RandomNormal(seed=self.seed),
            trainable=False,
            aggregation="only_first_replica",
            name="vector_u",
        )

    def _matrix(self, kernel):
        """The kernel as ``[d_in, d_out]``, ``d_out`` the output axis."""
        if self._out_axis() == -2:
            kernel = ops.swapaxes(kernel, -1, -2)
        return ops.reshape(kernel, [-1, kernel.shape[-1]])

    def normalized_kernel(self, training=False):
        """``(W / sigma, u)``: the normalised kernel and the ``u`` it used.

        Args:
            training: whether to run the power iteration first.

        Returns:
            The kernel divided by ``sigma`` (shape and dtype of the kernel)
            and ``u`` after the iteration (stop-gradient).
        """
        kernel = self.layer.kernel
        # A tensor, not the variable (Keras' convert_to_tensor returns a
        # variable as it is, and a variable has no ``swapaxes``).
        weights = tf.convert_to_tensor(kernel.value)
        matrix = self._matrix(ops.cast(weights, "float32"))
        u = ops.stop_gradient(ops.cast(self.vector_u.value, "float32"))
        constant = ops.stop_gradient(matrix)
        steps = self.power_iterations if training else 0
        for _ in range(steps):
            v = _normalize(ops.matmul(constant, u), self.epsilon)
            u = _normalize(ops.matmul(ops.transpose(constant), v), self.epsilon)
        v = ops.stop_gradient(
            _normalize(ops.matmul(constant, u), self.epsilon)
        )
        u = ops.stop_gradient(u)
        sigma = ops.sum(v * ops.matmul(matrix, u))
        sigma = ops.maximum(sigma, self.epsilon)
        return ops.cast(weights, "float32") / sigma, u

    def call(self, inputs, training=None):
        update = bool(training) and not is_frozen()
        kernel = self.layer.kernel
        normalized, u = self.normalized_kernel(training=update)
        if update:
            self.vector_u.assign(ops.cast(u, self.vector_u.dtype))
        mapping = [(kernel, ops.cast(normalized, kernel.dtype))]
        outer = get_stateless_scope()
        if outer is not None:
            for variable in self.layer.variables:
                value = outer.get_current_value(variable)
                if variable is not kernel and value is not None:
                    mapping.append((variable, value))
        with keras.StatelessScope(mapping, initialize_variables=False):
            return self.layer(inputs)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "power_iterations": self.power_iterations,
            "epsilon": self.epsilon,
            "seed": self.seed,
        }


def spectral_norm(layer, enabled: bool = True, **options):
    """``SpectralNormalization(layer, **options)`` if ``enabled``, else
    ``layer``: what the builders call on each layer of D with a kernel."""
    if not enabled:
        return layer
    return SpectralNormalization(layer, name=layer.name, **options)
