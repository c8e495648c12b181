"""Figures tables without the columns nobody would read: a kind that is zero
in every row is left out (the issue-15 marathon table had 4 such of 7)."""

from django import template

register = template.Library()


def _cells(row) -> list[int]:
    # A figures row (CountryRow, CampaignInCountry) or a plain list of cells.
    return row.cells() if hasattr(row, "cells") else list(row)


@register.simple_tag
def nonzero_columns(rows, kinds, *extra_rows):
    """(index, kind, label) for each of ``kinds`` that some row counts."""
    cells = [_cells(row) for row in [*rows, *extra_rows]]
    return [(i, kind, label) for i, (kind, label) in enumerate(kinds) if any(c[i] for c in cells)]


@register.filter
def pick_cells(row, columns):
    """The row's cells for the kept columns, with their labels."""
    cells = _cells(row)
    return [(label, cells[i]) for i, _kind, label in columns]
