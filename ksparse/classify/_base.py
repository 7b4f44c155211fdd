"""What every ksparse classifier shares: predictions from logits, accuracy, input checks.

A classifier defines ``decision_function(X)`` (the logits, one column per
class in ``classes_``); this mixin derives ``predict_proba``, ``predict`` and
``score`` from it, and checks the arrays given to ``fit`` in one place so
that both classifiers reject bad input with the same messages.
"""
__all__ = ["ClassifierMixin"]

import numpy as np

from ..backend import get_array_module, to_numpy
from ..nn.cross_entropy import softmax
from ..validation import check_is_fitted
from ._inputs import check_features, check_labels, label_indices


class ClassifierMixin:
    """predict_proba / predict / score on top of ``decision_function``.

    Also the fitted arrays and tags every classifier has: ``coef_`` and
    ``intercept_`` of the output layer, ``classes_`` (labels, kept on the
    host), and scikit-learn's classifier tags, so that
    ``sklearn.base.is_classifier`` is True and cross-validation stratifies.
    """

    _estimator_type = "classifier"  # read by scikit-learn before version 1.6
    _label_arrays = ("classes_",)  # may hold strings: stored as is, kept on the host

    _output_inputs = "n_features"  # rows of coef_: the features, or the top hidden layer

    def _fitted_arrays(self):
        return {"coef_": (self._output_inputs, "n_classes"), "intercept_": ("n_classes",),
                "classes_": ("n_classes",)}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        from sklearn.utils import ClassifierTags  # only scikit-learn itself calls this

        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        tags.target_tags.required = True
        return tags

    def predict_proba(self, X):
        """Class probabilities, softmax of the logits.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)

        Returns
        -------
        P : array, shape (n_samples, n_classes)
            Columns follow ``classes_``; rows sum to 1. NumPy in, NumPy out
            (CuPy in, CuPy out).
        """
        return softmax(self.decision_function(X))

    def predict(self, X):
        """Most probable class of each row.

        Returns
        -------
        labels : ndarray, shape (n_samples,)
            Values from ``classes_``, always a NumPy array (labels may be strings).
        """
        scores = self.decision_function(X)  # (n_samples, n_classes)
        return self.classes_[to_numpy(scores.argmax(axis=1))]

    def score(self, X, y):
        """Accuracy: the fraction of rows whose predicted label equals ``y``.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        y : array_like, shape (n_samples,)

        Returns
        -------
        accuracy : float
        """
        check_is_fitted(self, "coef_")
        y = to_numpy(y) if get_array_module(y) is not np else np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"y must be a 1-D array of labels, got shape {y.shape}.")
        predicted = self.predict(X)  # (n_samples,)
        if y.shape[0] != predicted.shape[0]:
            raise ValueError(f"y has {y.shape[0]} labels, but X has {predicted.shape[0]} rows.")
        return float(np.mean(predicted == y))

    def _check_fit_inputs(self, X, y, X_val, y_val, dtype, allow_sparse):
        """Validated (X, y_index, X_val, y_val_index), with the classes set on self."""
        X = check_features(X, "X", dtype=dtype, allow_sparse=allow_sparse)
        classes, y_index = check_labels(y, X.shape[0], "y")
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together.")
        y_val_index = None
        if X_val is not None:
            X_val = check_features(X_val, "X_val", dtype=X.dtype, allow_sparse=allow_sparse)
            if X_val.shape[1] != X.shape[1]:
                raise ValueError(f"X_val has {X_val.shape[1]} features, but X has {X.shape[1]}.")
            y_val_index = label_indices(y_val, classes, X_val.shape[0], "y_val")
        return classes, X, y_index, X_val, y_val_index
