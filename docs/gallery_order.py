"""The gallery's reading order, for sphinx-gallery's ``within_subsection_order``.

The classroom gallery is read as a course: the quick start first, then the
model taken apart (what k does, why units die, why top-k trains, the encoder
as sparse coding), then the ground-truth laboratory (reconstruction against
recovered features, the schedule, choosing k, superposition), then
comparisons (the KL penalty, today's variants) and speed. ``docs/conf.py`` fails the
build when an ``examples/plot_*.py`` is missing from :data:`READING_ORDER`.
"""
from pathlib import Path

READING_ORDER = (
    "plot_quickstart.py",
    "plot_what_k_does.py",
    "plot_dead_units.py",
    "plot_topk_gradient.py",
    "plot_sparsity_schedule.py",
    "plot_encoder_is_iti.py",
    "plot_theorem_3_1.py",
    "plot_reconstruction_is_not_recovery.py",
    "plot_schedule_recovers_dictionary.py",
    "plot_choosing_k.py",
    "plot_superposition.py",
    "plot_ksparse_vs_kl.py",
    "plot_from_2013_to_today.py",
    "plot_natural_images.py",
    "plot_encoding_speed.py",
    "plot_numpy_vs_cupy.py",
)


class ReadingOrder:
    """Sort key: an example's place in :data:`READING_ORDER` (unlisted ones last, by name)."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = Path(filename).name
        if name in READING_ORDER:
            return READING_ORDER.index(name), name
        return len(READING_ORDER), name

    def __repr__(self):  # sphinx-gallery compares configurations by their repr
        return "ReadingOrder"
