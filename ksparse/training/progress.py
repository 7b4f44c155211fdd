"""The progress bar of the training loop: epochs, the loss and, when scheduled, k (no paper section).

Library code never prints; the bar is the one thing training shows, and
``verbose=False`` turns it off.
"""
__all__ = ["progress_bar", "progress_postfix"]

from tqdm.auto import tqdm


def progress_postfix(logs):
    """What the progress bar shows after an epoch: the loss and, when scheduled, k.

    The loss of a k-sparse model rises while the schedule of §4.2.1 lowers k
    (fewer units reconstruct each example); showing k beside it says why.
    """
    postfix = {"loss": f"{logs['loss']:.4g}"}
    if "k" in logs:
        postfix["k"] = logs["k"]
    return postfix


def progress_bar(model, epoch):
    """A tqdm bar over the epochs, from ``epoch`` on; silent unless ``model.verbose``."""
    return tqdm(total=model.epochs, initial=epoch, desc=type(model).__name__,
                disable=not model.verbose)
