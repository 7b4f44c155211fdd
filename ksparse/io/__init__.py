"""Files the package writes and reads: one ``.npz`` each, written atomically, never a pickle.

:mod:`~ksparse.io.model_files` holds the one atomic writer and the one safe
reader; a saved model is read back by :func:`load`, and the checkpoints of
:mod:`ksparse.training.checkpoint` use the same two functions.
"""
from .model_files import FORMAT_VERSION, load, register_model, save_model

__all__ = ["FORMAT_VERSION", "load", "register_model", "save_model"]
