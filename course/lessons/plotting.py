"""One plotting style for the whole course: readable sizes, units on axes, colour-blind-safe colours."""

import matplotlib.pyplot as plt
from cycler import cycler

# Okabe & Ito's palette, distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def use_course_style() -> None:
    """Apply the course's matplotlib settings to every later figure."""
    plt.rcParams.update(
        {
            "figure.figsize": (8, 4.5),
            "figure.dpi": 80,
            "savefig.dpi": 80,
            "font.size": 11,
            "axes.titlesize": 13,
            "axes.labelsize": 11,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": cycler(color=PALETTE),
            "legend.frameon": False,
        }
    )


def new_figure(title: str, xlabel: str, ylabel: str, panels: int = 1):
    """A figure in the course style with PANELS axes side by side, labelled (put units in labels)."""
    use_course_style()
    width, height = plt.rcParams["figure.figsize"]
    fig, axes = plt.subplots(1, panels, figsize=(width * (1 + 0.5 * (panels - 1)), height), squeeze=False)
    fig.suptitle(title)
    for ax in axes[0]:
        ax.set(xlabel=xlabel, ylabel=ylabel)
    return (fig, axes[0][0]) if panels == 1 else (fig, list(axes[0]))
