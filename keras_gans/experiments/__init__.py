"""The paper's experiments, on top of the library's public API.

- ``families``: the families of the paper's experiments and of the
  studies (``fig1/...``, ``digits/...``, ``table3/...``,
  ``mode_coverage/...``, ``remedies/...``) and the named recipes
  (``r3gan``), as tables of ``TrainConfig`` overrides;
- ``presets``: named configs, each a ``TrainConfig``: the data sets'
  defaults and the families' rows; ``preset(name, **overrides)``;
- ``figures``: the figure runs and tables that ``keras-gans-fig1``,
  ``keras-gans-landscape``, ``keras-gans-forgetting`` and
  ``keras-gans-table3`` share.

The library (losses, penalties, the GAN and its training parts, hooks,
data, networks, evaluation, export) never imports this package.
"""
