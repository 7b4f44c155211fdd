"""Files the package writes and reads: one ``.npz`` each, written atomically, never a pickle.

:mod:`~ksparse.io.atomic` holds the one atomic writer, which every file the
package writes goes through (models, checkpoints, datasets, reports, the
command line's outputs); :mod:`~ksparse.io.model_files` holds the one safe
reader. A saved model is read back by :func:`load`, and the checkpoints of
:mod:`ksparse.training.checkpoint` use the same writer and reader.
"""
from .model_files import FORMAT_VERSION, load, register_model, save_model

__all__ = ["FORMAT_VERSION", "load", "register_model", "save_model"]
