"""Figures for IAM decisions: a grid of requests against policies, coloured by the decision."""

import textwrap

import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from course.lessons.iam_policy import DECISIONS
from course.lessons.plotting import PALETTE, new_figure

COLOURS = {"allowed": PALETTE[2], "explicitDeny": PALETTE[3], "implicitDeny": "#DDDDDD"}
LABELS = {"allowed": "allowed", "explicitDeny": "explicit deny", "implicitDeny": "implicit deny"}
COLUMN_CHARS = 18


def _wrap(label: object) -> str:
    return "\n".join(
        textwrap.fill(line, COLUMN_CHARS, break_long_words=False) for line in str(label).split("\n")
    )


def decision_map(decisions: pd.DataFrame, title: str, xlabel: str, ylabel: str):
    """Draw a DataFrame of decision strings (rows: requests, columns: policies) as a coloured grid."""
    codes = decisions.apply(lambda column: column.map(DECISIONS.index)).to_numpy()
    fig, ax = new_figure(title, xlabel, ylabel)
    fig.set_size_inches(max(6.0, 1.8 * decisions.shape[1] + 3.5), 0.45 * decisions.shape[0] + 2.2)
    ax.imshow(
        codes,
        cmap=ListedColormap([COLOURS[d] for d in DECISIONS]),
        vmin=0,
        vmax=len(DECISIONS) - 1,
        aspect="auto",
    )
    ax.set_xticks(range(decisions.shape[1]), [_wrap(c) for c in decisions.columns])
    ax.set_yticks(range(decisions.shape[0]), decisions.index)
    ax.tick_params(length=0)
    ax.grid(False)
    ax.set_xticks([x - 0.5 for x in range(1, decisions.shape[1])], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, decisions.shape[0])], minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    handles = [Patch(color=COLOURS[d], label=LABELS[d]) for d in DECISIONS]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=3)
    fig.tight_layout()
    return fig, ax
